// A size-bounded cache whose entries expire at a given instant. A Map keeps insertion order,
// so re-inserting on every hit makes its first key the least recently used one, which is the
// one to evict. `now` is passed in (epoch ms), so tests move time by hand.

interface Entry<V> {
  readonly value: V;
  readonly expiresAt: number;
}

export class TtlLru<V> {
  private readonly _entries = new Map<string, Entry<V>>();

  constructor(private readonly _maxEntries: number) {
    if (!Number.isInteger(_maxEntries) || _maxEntries < 1) throw new RangeError(`maxEntries must be a positive integer, got ${_maxEntries}`);
  }

  get size(): number {
    return this._entries.size;
  }

  get(key: string, now: number): V | undefined {
    const e = this._entries.get(key);
    if (e === undefined) return undefined;
    this._entries.delete(key);
    if (now >= e.expiresAt) return undefined;
    this._entries.set(key, e);
    return e.value;
  }

  /** Stores `value` until `expiresAt`; an entry already expired at `now` is not stored. */
  set(key: string, value: V, expiresAt: number, now: number): void {
    this._entries.delete(key);
    if (expiresAt <= now) return;
    this._entries.set(key, { value, expiresAt });
    while (this._entries.size > this._maxEntries) {
      const oldest = this._entries.keys().next();
      if (oldest.done === true) break;
      this._entries.delete(oldest.value);
    }
  }

  clear(): void {
    this._entries.clear();
  }
}
