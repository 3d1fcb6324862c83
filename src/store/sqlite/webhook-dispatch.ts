// The dispatcher's verbs: lease due endpoints, renew and release leases, and record each batch's
// result fenced by the lease token, so a dispatcher whose lease ran out (it stalled, or another
// process took over after a crash) can never move an endpoint's position.
import type { WebhookClaim, WebhookLease, WebhookProgress } from '../store.js';
import type { SqliteDb } from './db.js';
import { toReplay, toWebhook, type ReplayRow, type WebhookRow } from '../rows.js';

/** The delivery log keeps about this many attempts per endpoint (pruned every PRUNE_EVERY inserts). */
export const ATTEMPTS_KEPT = 1000;
const PRUNE_EVERY = 50;

export function claimWebhooks(s: SqliteDb, req: WebhookClaim): Promise<WebhookLease[]> {
  return s.write(() => {
    const rows = s
      .stmt(
        `UPDATE webhooks SET lease_owner = @owner, lease_until = @until, lease_token = lease_token + 1
          WHERE id IN (SELECT id FROM webhooks WHERE enabled = 1 AND next_attempt_at <= @now AND lease_until <= @now
                        ORDER BY next_attempt_at LIMIT @limit)
        RETURNING *`,
      )
      .all({ owner: req.owner, until: req.now + req.leaseMs, now: req.now, limit: req.limit }) as WebhookRow[];
    const replays = s.stmt("SELECT * FROM webhook_replays WHERE webhook_id = ? AND state = 'running' ORDER BY created_at, id");
    return rows.map((r) => ({
      endpoint: toWebhook(r),
      leaseToken: r.lease_token,
      leaseUntil: r.lease_until,
      replays: (replays.all(r.id) as ReplayRow[]).map(toReplay),
    }));
  });
}

export function renewWebhookLease(s: SqliteDb, id: string, token: number, until: number): Promise<boolean> {
  return s.write(() => s.stmt('UPDATE webhooks SET lease_until = ? WHERE id = ? AND lease_token = ? AND enabled = 1').run(until, id, token).changes === 1);
}

export function releaseWebhook(s: SqliteDb, id: string, token: number, nextAttemptAt: number): Promise<void> {
  return s.write(() => {
    s.stmt('UPDATE webhooks SET lease_owner = NULL, lease_until = 0, next_attempt_at = ? WHERE id = ? AND lease_token = ?').run(nextAttemptAt, id, token);
  });
}

export function recordWebhookProgress(s: SqliteDb, p: WebhookProgress): Promise<boolean> {
  return s.write(() => {
    const held = s.stmt('SELECT 1 FROM webhooks WHERE id = ? AND lease_token = ? AND enabled = 1').get(p.webhookId, p.leaseToken);
    if (!held) return false;
    if (p.log) {
      const l = p.log;
      const { lastInsertRowid } = s
        .stmt(
          `INSERT INTO webhook_attempts (webhook_id, replay_id, at, events, first_event_id, last_event_id, status, ok, latency_ms, error)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(p.webhookId, p.replayId ?? null, p.now, l.events, l.firstEventId, l.lastEventId, l.status, l.ok ? 1 : 0, l.latencyMs, l.error);
      if (Number(lastInsertRowid) % PRUNE_EVERY === 0) {
        s.stmt(
          `DELETE FROM webhook_attempts WHERE webhook_id = @hook AND id < (
             SELECT id FROM webhook_attempts WHERE webhook_id = @hook ORDER BY id DESC LIMIT 1 OFFSET ${ATTEMPTS_KEPT - 1})`,
        ).run({ hook: p.webhookId });
      }
    }
    const o = p.outcome;
    const last = p.log ? { at: p.now, status: p.log.status, error: p.log.error } : undefined;
    if (o.kind === 'advanced') {
      if (p.replayId === undefined) s.stmt('UPDATE webhooks SET cursor = ? WHERE id = ?').run(o.cursor, p.webhookId);
      else {
        s.stmt(`UPDATE webhook_replays SET cursor = ?, sent = sent + ?, state = ?, finished_at = ? WHERE id = ?`).run(
          o.cursor, o.sent, o.done ? 'done' : 'running', o.done ? p.now : null, p.replayId,
        );
      }
      if (last) {
        s.stmt('UPDATE webhooks SET failures = 0, first_failure_at = NULL, last_attempt_at = ?, last_status = ?, last_error = NULL WHERE id = ?').run(
          last.at, last.status, p.webhookId,
        );
      }
      return true;
    }
    s.stmt(
      `UPDATE webhooks SET failures = ?, first_failure_at = ?, next_attempt_at = ?, lease_owner = NULL, lease_until = 0,
              last_attempt_at = ?, last_status = ?, last_error = ?, enabled = ?, disabled_reason = ?, disabled_at = ?
        WHERE id = ?`,
    ).run(
      o.failures, o.firstFailureAt, o.kind === 'failed' ? o.retryAt : p.now, last?.at ?? p.now, last?.status ?? null, last?.error ?? null,
      o.kind === 'failed' ? 1 : 0, o.kind === 'disabled' ? o.reason : null, o.kind === 'disabled' ? p.now : null, p.webhookId,
    );
    return true;
  });
}
