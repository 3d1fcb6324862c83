// Message bodies for sessions, loaded in batches: the sessions that ask in the same turn of the
// event loop share one loadMessages() call, so a worker with many connections does not pay a
// store round trip per message (PostgreSQL) for its bodies.
import type { MessageForDelivery, Store } from '../store/store.js';

interface Waiter {
  readonly resolve: (m: MessageForDelivery | undefined) => void;
  readonly reject: (e: unknown) => void;
}

export class MessageLoader {
  private waiting = new Map<string, Waiter[]>();
  private scheduled = false;

  constructor(private readonly store: Store) {}

  load(id: string): Promise<MessageForDelivery | undefined> {
    // SQLite reads are in-process and synchronous: a batch would only add a turn of latency.
    if (this.store.kind === 'sqlite') return this.store.loadMessages([id]).then((m) => m.get(id));
    return new Promise((resolve, reject) => {
      const list = this.waiting.get(id);
      if (list) list.push({ resolve, reject });
      else this.waiting.set(id, [{ resolve, reject }]);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.waiting;
    this.waiting = new Map();
    try {
      const found = await this.store.loadMessages([...batch.keys()]);
      for (const [id, ws] of batch) for (const w of ws) w.resolve(found.get(id));
    } catch (e) {
      for (const ws of batch.values()) for (const w of ws) w.reject(e);
    }
  }
}
