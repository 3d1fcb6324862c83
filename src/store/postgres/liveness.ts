// Worker liveness and lease takeover (see store.ts), as the SQLite adapter's. A taken lease keeps
// its owner and token and only ends now: the next claim bumps the token and flags the delivery
// possible_duplicate, exactly as when a lease runs out, so the fence turns away whatever the old
// holder records later. One transaction: of two workers taking over at once, the DELETE lets one
// find the dead rows and the other nothing.
import type { PoolClient } from 'pg';
import type { TakeOverResult } from '../store.js';
import type { PgDb } from './pool.js';

export async function heartbeat(db: PgDb, owner: string, now: number): Promise<void> {
  await db.query(
    `INSERT INTO workers AS w (owner, started_at, heartbeat_at) VALUES ($1, $2, $2)
     ON CONFLICT (owner) DO UPDATE SET heartbeat_at = greatest(w.heartbeat_at, excluded.heartbeat_at)`,
    [owner, now],
  );
}

/** `$2` holds the dead owners (text[]), or the one owner to keep. */
async function takeOver(c: PoolClient, now: number, pred: (col: string) => string, who: unknown): Promise<Omit<TakeOverResult, 'owners'>> {
  const deliveries = await c.query(`UPDATE deliveries SET next_attempt_at = $1 WHERE next_attempt_at > $1 AND lease_owner IS NOT NULL AND ${pred('lease_owner')}`, [
    now,
    who,
  ]);
  const webhooks = await c.query(`UPDATE webhooks SET lease_until = 0 WHERE lease_until > $1 AND lease_owner IS NOT NULL AND ${pred('lease_owner')}`, [now, who]);
  const slots = await c.query(`UPDATE destination_slots SET expires_at = 0 WHERE expires_at > $1 AND owner IS NOT NULL AND ${pred('owner')}`, [now, who]);
  return { deliveries: deliveries.rowCount ?? 0, webhooks: webhooks.rowCount ?? 0, slots: slots.rowCount ?? 0 };
}

export function takeOverStaleLeases(db: PgDb, now: number, staleBefore: number): Promise<TakeOverResult> {
  return db.tx(async (c) => {
    const owners = (await c.query<{ owner: string }>('DELETE FROM workers WHERE heartbeat_at < $1 RETURNING owner', [staleBefore])).rows.map((r) => r.owner);
    if (owners.length === 0) return { owners, deliveries: 0, webhooks: 0, slots: 0 };
    return { owners, ...(await takeOver(c, now, (col) => `${col} = ANY($2::text[])`, owners)) };
  });
}

export function takeOverAllLeases(db: PgDb, keep: string, now: number): Promise<TakeOverResult> {
  return db.tx(async (c) => {
    const owners = (await c.query<{ owner: string }>('DELETE FROM workers WHERE owner <> $1 RETURNING owner', [keep])).rows.map((r) => r.owner);
    return { owners, ...(await takeOver(c, now, (col) => `${col} <> $2::text`, keep)) };
  });
}
