// The worker's side of cluster-wide connection slots: takes and gives back slots through the
// store, renews the ones it holds, and remembers the ones it lost (its lease ran out while it
// stalled and another worker took the slot over) so their sessions close after the message in
// flight. A store error counts as "no slot": the destination waits and asks again.
import type { Logger } from 'pino';
import type { SlotLease, Store } from '../store/store.js';
import type { Clock } from './ports.js';

const keyOf = (s: SlotLease): string => `${s.domain}\u0000${s.slot}\u0000${s.token}`;

export class SlotKeeper {
  private readonly held = new Map<string, SlotLease>();
  private readonly lost = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly owner: string,
    private readonly leaseMs: number,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  get count(): number {
    return this.held.size;
  }

  async acquire(domain: string, limit: number): Promise<SlotLease | undefined> {
    try {
      const now = this.clock.now();
      const slot = await this.store.acquireSlot({ domain, owner: this.owner, limit, now, leaseMs: this.leaseMs });
      if (slot) this.held.set(keyOf(slot), slot);
      return slot;
    } catch (err) {
      this.log.error({ err, destination: domain }, 'taking a connection slot failed');
      return undefined;
    }
  }

  async release(slot: SlotLease): Promise<void> {
    const k = keyOf(slot);
    this.held.delete(k);
    this.lost.delete(k);
    try {
      await this.store.releaseSlots(this.owner, [slot]);
    } catch (err) {
      // The slot's lease runs out on its own.
      this.log.warn({ err, destination: slot.domain }, 'giving back a connection slot failed');
    }
  }

  isLost(slot: SlotLease): boolean {
    return this.lost.has(keyOf(slot));
  }

  async renew(): Promise<void> {
    const slots = [...this.held.values()];
    if (slots.length === 0) return;
    try {
      const lost = await this.store.renewSlots(this.owner, slots, this.clock.now() + this.leaseMs);
      for (const s of lost) {
        const k = keyOf(s);
        // Given back meanwhile: nothing lost.
        if (!this.held.has(k)) continue;
        this.held.delete(k);
        this.lost.add(k);
        this.log.warn({ destination: s.domain, slot: s.slot }, 'connection slot lost to another worker; closing its connection');
      }
    } catch (err) {
      this.log.error({ err }, 'renewing connection slots failed');
    }
  }
}
