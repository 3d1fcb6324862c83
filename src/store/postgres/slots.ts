// Connection slots: a destination's connection limit for the whole cluster. A worker takes a slot
// (a row (domain, slot)) before it opens a connection and gives it back after the socket closed;
// a slot whose lease expired (its worker died or stalled) is free for anyone.
//
// Taking a slot is one statement: pick a free slot number at random (so racing workers rarely pick
// the same one) and insert or take over its row. ON CONFLICT re-checks the expiry against the
// latest committed row, so of two workers racing for one slot only one gets it; the other tries
// again while free numbers remain.
import type { SlotLease, SlotRequest } from '../store.js';
import type { PgDb } from './pool.js';

const TRIES = 3;

export async function acquireSlot(db: PgDb, req: SlotRequest): Promise<SlotLease | undefined> {
  for (let i = 0; i < TRIES; i++) {
    const [r] = await db.query<{ candidates: number; slot: number | null; token: number | null }>(
      `WITH candidate AS (
         SELECT s.n FROM generate_series(0, $3::int - 1) AS s(n)
          WHERE NOT EXISTS (SELECT 1 FROM destination_slots d WHERE d.domain = $1 AND d.slot = s.n AND d.expires_at > $4)
          ORDER BY random() LIMIT 1
       ), taken AS (
         INSERT INTO destination_slots AS d (domain, slot, owner, token, expires_at)
         SELECT $1, n, $2, 1, $5 FROM candidate
         ON CONFLICT (domain, slot) DO UPDATE SET owner = excluded.owner, token = d.token + 1, expires_at = excluded.expires_at
          WHERE d.expires_at <= $4
         RETURNING d.slot, d.token
       )
       SELECT (SELECT count(*) FROM candidate)::int AS candidates, t.slot, t.token FROM (SELECT 1) AS one LEFT JOIN taken AS t ON true`,
      [req.domain, req.owner, req.limit, req.now, req.now + req.leaseMs],
    );
    if (r?.slot != null && r.token != null) return { domain: req.domain, slot: r.slot, token: r.token };
    if (!r || r.candidates === 0) return undefined; // every slot is held
  }
  return undefined;
}

const columns = (slots: readonly SlotLease[]): [string[], number[], number[]] => [slots.map((s) => s.domain), slots.map((s) => s.slot), slots.map((s) => s.token)];
const key = (s: { domain: string; slot: number }): string => `${s.domain}\u0000${s.slot}`;

export async function renewSlots(db: PgDb, owner: string, slots: readonly SlotLease[], until: number): Promise<SlotLease[]> {
  if (slots.length === 0) return [];
  const kept = await db.query<{ domain: string; slot: number }>(
    `UPDATE destination_slots d SET expires_at = $2
       FROM unnest($3::text[], $4::int[], $5::int[]) AS l(domain, slot, token)
      WHERE d.domain = l.domain AND d.slot = l.slot AND d.owner = $1 AND d.token = l.token
     RETURNING d.domain, d.slot`,
    [owner, until, ...columns(slots)],
  );
  const held = new Set(kept.map(key));
  return slots.filter((s) => !held.has(key(s)));
}

export async function releaseSlots(db: PgDb, owner: string, slots: readonly SlotLease[]): Promise<void> {
  if (slots.length === 0) return;
  await db.query(
    `UPDATE destination_slots d SET owner = NULL, expires_at = 0
       FROM unnest($2::text[], $3::int[], $4::int[]) AS l(domain, slot, token)
      WHERE d.domain = l.domain AND d.slot = l.slot AND d.owner = $1 AND d.token = l.token`,
    [owner, ...columns(slots)],
  );
}
