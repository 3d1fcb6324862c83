// Connection slots (see store.ts): the same verbs as PostgreSQL's, on a TEMP table of this
// connection. SQLite runs one worker process, so the limit needs no sharing beyond it, and a slot
// must not outlive the sockets it stands for: a TEMP table goes with the connection, so a crashed
// process leaves no slot held for its lease time. Statements run at once (TEMP tables are outside
// the WAL: nothing to fsync, no group commit to wait for).
import type { SlotLease, SlotRequest } from '../store.js';
import type { SqliteDb } from './db.js';

const ready = new WeakSet<SqliteDb>();

export function table(s: SqliteDb): SqliteDb {
  if (!ready.has(s)) {
    s.db.exec(`CREATE TEMP TABLE IF NOT EXISTS destination_slots (
      domain TEXT NOT NULL, slot INTEGER NOT NULL, owner TEXT, token INTEGER NOT NULL DEFAULT 0,
      expires_at INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (domain, slot))`);
    ready.add(s);
  }
  return s;
}

export function acquireSlot(s: SqliteDb, req: SlotRequest): Promise<SlotLease | undefined> {
  return s.read(() => {
    const held = new Set(
      (table(s).stmt('SELECT slot FROM temp.destination_slots WHERE domain = ? AND expires_at > ?').all(req.domain, req.now) as Array<{ slot: number }>).map(
        (r) => r.slot,
      ),
    );
    let slot = 0;
    while (slot < req.limit && held.has(slot)) slot++;
    if (slot >= req.limit) return undefined;
    const r = s
      .stmt(
        `INSERT INTO temp.destination_slots (domain, slot, owner, token, expires_at) VALUES (?, ?, ?, 1, ?)
         ON CONFLICT (domain, slot) DO UPDATE SET owner = excluded.owner, token = token + 1, expires_at = excluded.expires_at
         RETURNING token`,
      )
      .get(req.domain, slot, req.owner, req.now + req.leaseMs) as { token: number };
    return { domain: req.domain, slot, token: r.token };
  });
}

export function renewSlots(s: SqliteDb, owner: string, slots: readonly SlotLease[], until: number): Promise<SlotLease[]> {
  return s.read(() => {
    const u = table(s).stmt('UPDATE temp.destination_slots SET expires_at = ? WHERE domain = ? AND slot = ? AND owner = ? AND token = ?');
    return slots.filter((x) => u.run(until, x.domain, x.slot, owner, x.token).changes !== 1);
  });
}

export function releaseSlots(s: SqliteDb, owner: string, slots: readonly SlotLease[]): Promise<void> {
  return s.read(() => {
    const u = table(s).stmt('UPDATE temp.destination_slots SET owner = NULL, expires_at = 0 WHERE domain = ? AND slot = ? AND owner = ? AND token = ?');
    for (const x of slots) u.run(x.domain, x.slot, owner, x.token);
  });
}
