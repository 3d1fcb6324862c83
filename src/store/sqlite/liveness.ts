// Worker liveness and lease takeover (see store.ts). A taken lease keeps its owner and token and
// only ends now: the next claim bumps the token and flags the delivery possible_duplicate, exactly
// as when a lease runs out, so the fence turns away whatever the old holder records later.
import type { TakeOverResult } from '../store.js';
import type { SqliteDb } from './db.js';
import { table as slotTable } from './slots.js';

export function heartbeat(s: SqliteDb, owner: string, now: number): Promise<void> {
  return s.write(() => {
    s.stmt(
      `INSERT INTO workers (owner, started_at, heartbeat_at) VALUES (?, ?, ?)
       ON CONFLICT (owner) DO UPDATE SET heartbeat_at = MAX(heartbeat_at, excluded.heartbeat_at)`,
    ).run(owner, now, now);
  });
}

/** `owners` in SQL: a list of dead owners, or everyone but the caller. */
type Whose = { readonly dead: readonly string[] } | { readonly keep: string };

function takeOver(s: SqliteDb, whose: Whose, now: number): Omit<TakeOverResult, 'owners'> {
  // Both forms compare the owner column named in `col`; json_each keeps one statement per list.
  const pred = (col: string): string => ('dead' in whose ? `${col} IN (SELECT value FROM json_each(@who))` : `${col} <> @who`);
  const who = 'dead' in whose ? JSON.stringify(whose.dead) : whose.keep;
  const deliveries = s
    .stmt(`UPDATE deliveries SET next_attempt_at = @now WHERE next_attempt_at > @now AND lease_owner IS NOT NULL AND ${pred('lease_owner')}`)
    .run({ now, who }).changes;
  const webhooks = s
    .stmt(`UPDATE webhooks SET lease_until = 0 WHERE lease_until > @now AND lease_owner IS NOT NULL AND ${pred('lease_owner')}`)
    .run({ now, who }).changes;
  // Slots live in a TEMP table of this connection (slots.ts): a dead process's went with it.
  const slots = slotTable(s)
    .stmt(`UPDATE temp.destination_slots SET expires_at = 0 WHERE expires_at > @now AND owner IS NOT NULL AND ${pred('owner')}`)
    .run({ now, who }).changes;
  return { deliveries, webhooks, slots };
}

export function takeOverStaleLeases(s: SqliteDb, now: number, staleBefore: number): Promise<TakeOverResult> {
  return s.write(() => {
    const owners = (s.stmt('DELETE FROM workers WHERE heartbeat_at < ? RETURNING owner').all(staleBefore) as Array<{ owner: string }>).map((r) => r.owner);
    if (owners.length === 0) return { owners, deliveries: 0, webhooks: 0, slots: 0 };
    return { owners, ...takeOver(s, { dead: owners }, now) };
  });
}

export function takeOverAllLeases(s: SqliteDb, keep: string, now: number): Promise<TakeOverResult> {
  return s.write(() => {
    const owners = (s.stmt('DELETE FROM workers WHERE owner <> ? RETURNING owner').all(keep) as Array<{ owner: string }>).map((r) => r.owner);
    return { owners, ...takeOver(s, { keep }, now) };
  });
}
