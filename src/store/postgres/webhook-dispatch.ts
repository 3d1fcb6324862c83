// The dispatcher's verbs: lease due endpoints (FOR UPDATE SKIP LOCKED, so dispatchers in any
// number of processes never wait on each other or take the same endpoint), renew and release
// leases, and record each batch's result fenced by the lease token: a dispatcher whose lease ran
// out (it stalled, or crashed and another took over) can never move an endpoint's position.
import type { WebhookClaim, WebhookLease, WebhookProgress } from '../store.js';
import type { PgDb } from './pool.js';
import { toReplay, toWebhook, type ReplayRow, type WebhookRow } from '../rows.js';

/** The delivery log keeps about this many attempts per endpoint (pruned every PRUNE_EVERY inserts). */
export const ATTEMPTS_KEPT = 1000;
const PRUNE_EVERY = 50;

export async function claimWebhooks(db: PgDb, req: WebhookClaim): Promise<WebhookLease[]> {
  const rows = await db.query<WebhookRow>(
    `WITH due AS MATERIALIZED (
       SELECT id FROM webhooks WHERE enabled AND next_attempt_at <= $1 AND lease_until <= $1
        ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED
     )
     UPDATE webhooks w SET lease_owner = $3, lease_until = $4, lease_token = w.lease_token + 1
       FROM due WHERE w.id = due.id
     RETURNING w.*`,
    [req.now, req.limit, req.owner, req.now + req.leaseMs],
  );
  if (rows.length === 0) return [];
  const replays = await db.query<ReplayRow>(
    "SELECT * FROM webhook_replays WHERE webhook_id = ANY($1::text[]) AND state = 'running' ORDER BY created_at, id",
    [rows.map((r) => r.id)],
  );
  return rows.map((r) => ({
    endpoint: toWebhook(r),
    leaseToken: r.lease_token,
    leaseUntil: r.lease_until,
    replays: replays.filter((x) => x.webhook_id === r.id).map(toReplay),
  }));
}

export async function renewWebhookLease(db: PgDb, id: string, token: number, until: number): Promise<boolean> {
  const r = await db.pool.query('UPDATE webhooks SET lease_until = $1 WHERE id = $2 AND lease_token = $3 AND enabled', [until, id, token]);
  return r.rowCount === 1;
}

export async function releaseWebhook(db: PgDb, id: string, token: number, nextAttemptAt: number): Promise<void> {
  await db.query('UPDATE webhooks SET lease_owner = NULL, lease_until = 0, next_attempt_at = $1 WHERE id = $2 AND lease_token = $3', [nextAttemptAt, id, token]);
}

export async function recordWebhookProgress(db: PgDb, p: WebhookProgress): Promise<boolean> {
  return db.tx(async (c) => {
    // The row lock holds off a concurrent renew or PATCH until this batch's result is in.
    const held = await c.query('SELECT 1 FROM webhooks WHERE id = $1 AND lease_token = $2 AND enabled FOR UPDATE', [p.webhookId, p.leaseToken]);
    if (held.rowCount !== 1) return false;
    if (p.log) {
      const l = p.log;
      const { rows } = await c.query<{ id: number }>(
        `INSERT INTO webhook_attempts (webhook_id, replay_id, at, events, first_event_id, last_event_id, status, ok, latency_ms, error)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
        [p.webhookId, p.replayId ?? null, p.now, l.events, l.firstEventId, l.lastEventId, l.status, l.ok, l.latencyMs, l.error],
      );
      if (rows[0]!.id % PRUNE_EVERY === 0) {
        await c.query(
          `DELETE FROM webhook_attempts WHERE webhook_id = $1 AND id < (
             SELECT id FROM webhook_attempts WHERE webhook_id = $1 ORDER BY id DESC OFFSET ${ATTEMPTS_KEPT - 1} LIMIT 1)`,
          [p.webhookId],
        );
      }
    }
    const o = p.outcome;
    if (o.kind === 'advanced') {
      if (p.replayId === undefined) await c.query('UPDATE webhooks SET cursor = $1 WHERE id = $2', [o.cursor, p.webhookId]);
      else {
        await c.query('UPDATE webhook_replays SET cursor = $1, sent = sent + $2, state = $3, finished_at = $4 WHERE id = $5', [
          o.cursor, o.sent, o.done ? 'done' : 'running', o.done ? p.now : null, p.replayId,
        ]);
      }
      if (p.log) {
        await c.query('UPDATE webhooks SET failures = 0, first_failure_at = NULL, last_attempt_at = $1, last_status = $2, last_error = NULL WHERE id = $3', [
          p.now, p.log.status, p.webhookId,
        ]);
      }
      return true;
    }
    await c.query(
      `UPDATE webhooks SET failures = $1, first_failure_at = $2, next_attempt_at = $3, lease_owner = NULL, lease_until = 0,
              last_attempt_at = $4, last_status = $5, last_error = $6, enabled = $7, disabled_reason = $8, disabled_at = $9
        WHERE id = $10`,
      [o.failures, o.firstFailureAt, o.kind === 'failed' ? o.retryAt : p.now, p.now, p.log?.status ?? null, p.log?.error ?? null,
        o.kind === 'failed', o.kind === 'disabled' ? o.reason : null, o.kind === 'disabled' ? p.now : null, p.webhookId],
    );
    return true;
  });
}
