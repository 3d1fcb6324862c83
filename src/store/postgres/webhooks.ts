// Webhook endpoints, their replays and delivery log: the API's verbs. The dispatcher's verbs
// (claim, renew, release, progress) are in webhook-dispatch.ts.
import { toReplay, toWebhook, type ReplayRow, type WebhookRow } from '../rows.js';
import type { NewWebhook, NewWebhookReplay, WebhookAttempt, WebhookEndpoint, WebhookReplay, WebhookUpdate } from '../store.js';
import { FEED_HEAD_SQL } from './feed.js';
import type { PgDb } from './pool.js';

export async function createWebhook(db: PgDb, w: NewWebhook): Promise<WebhookEndpoint> {
  // The feed's end is read by the inserting statement itself, so no event slips between them.
  const [r] = await db.query<WebhookRow>(
    `INSERT INTO webhooks (tenant_id, id, url, event_types, format, secret, public_key, batch_size, description, enabled,
                           disabled_reason, disabled_at, created_at, updated_at, next_attempt_at, cursor)
     VALUES ($1, $2, $3, $4::text[], $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $13, ${FEED_HEAD_SQL})
     RETURNING *`,
    [w.tenantId, w.id, w.url, w.eventTypes, w.format, w.secret, w.publicKey, w.batchSize, w.description, w.enabled,
      w.enabled ? null : 'disabled by API', w.enabled ? null : w.now, w.now],
  );
  return toWebhook(r!);
}

export async function getWebhook(db: PgDb, tenantId: string, id: string): Promise<WebhookEndpoint | undefined> {
  const [r] = await db.query<WebhookRow>('SELECT * FROM webhooks WHERE id = $1 AND tenant_id = $2', [id, tenantId]);
  return r && toWebhook(r);
}

export async function listWebhooks(db: PgDb, tenantId: string): Promise<WebhookEndpoint[]> {
  return (await db.query<WebhookRow>('SELECT * FROM webhooks WHERE tenant_id = $1 ORDER BY created_at, id', [tenantId])).map(toWebhook);
}

export async function updateWebhook(db: PgDb, tenantId: string, id: string, u: WebhookUpdate): Promise<WebhookEndpoint | undefined> {
  // Enabling clears the failure streak and makes the endpoint due; disabling records why.
  const [r] = await db.query<WebhookRow>(
    `UPDATE webhooks SET
        url = coalesce($3, url), event_types = coalesce($4::text[], event_types), batch_size = coalesce($5, batch_size),
        description = coalesce($6, description), secret = coalesce($7, secret),
        public_key = CASE WHEN $8::boolean THEN $9 ELSE public_key END, updated_at = $10,
        failures = CASE WHEN $11::boolean IS TRUE AND NOT enabled THEN 0 ELSE failures END,
        first_failure_at = CASE WHEN $11::boolean IS TRUE AND NOT enabled THEN NULL ELSE first_failure_at END,
        next_attempt_at = CASE WHEN $11::boolean IS TRUE AND NOT enabled THEN $10 ELSE next_attempt_at END,
        disabled_reason = CASE WHEN $11::boolean IS TRUE AND NOT enabled THEN NULL
                               WHEN $11::boolean IS FALSE AND enabled THEN 'disabled by API' ELSE disabled_reason END,
        disabled_at = CASE WHEN $11::boolean IS TRUE AND NOT enabled THEN NULL
                           WHEN $11::boolean IS FALSE AND enabled THEN $10 ELSE disabled_at END,
        enabled = coalesce($11::boolean, enabled)
      WHERE id = $1 AND tenant_id = $2
      RETURNING *`,
    [id, tenantId, u.url ?? null, u.eventTypes ?? null, u.batchSize ?? null, u.description ?? null, u.secret ?? null,
      u.publicKey !== undefined, u.publicKey ?? null, u.now, u.enabled ?? null],
  );
  return r && toWebhook(r);
}

export async function deleteWebhook(db: PgDb, tenantId: string, id: string): Promise<boolean> {
  return db.tx(async (c) => {
    const r = await c.query('DELETE FROM webhooks WHERE id = $1 AND tenant_id = $2', [id, tenantId]);
    if (r.rowCount !== 1) return false;
    await c.query('DELETE FROM webhook_replays WHERE webhook_id = $1', [id]);
    await c.query('DELETE FROM webhook_attempts WHERE webhook_id = $1', [id]);
    return true;
  });
}

type AttemptRow = {
  id: number;
  webhook_id: string;
  replay_id: string | null;
  at: number;
  events: number;
  first_event_id: string | null;
  last_event_id: string | null;
  status: number | null;
  ok: boolean;
  latency_ms: number;
  error: string | null;
};

export async function listWebhookAttempts(db: PgDb, tenantId: string, webhookId: string, limit: number): Promise<WebhookAttempt[]> {
  const rows = await db.query<AttemptRow>(
    `SELECT a.* FROM webhook_attempts a JOIN webhooks w ON w.id = a.webhook_id
      WHERE a.webhook_id = $1 AND w.tenant_id = $2 ORDER BY a.id DESC LIMIT $3`,
    [webhookId, tenantId, limit],
  );
  return rows.map((r) => ({
    id: r.id,
    webhookId: r.webhook_id,
    replayId: r.replay_id,
    at: r.at,
    events: r.events,
    firstEventId: r.first_event_id,
    lastEventId: r.last_event_id,
    status: r.status,
    ok: r.ok,
    latencyMs: r.latency_ms,
    error: r.error,
  }));
}

export async function createWebhookReplay(db: PgDb, r: NewWebhookReplay): Promise<WebhookReplay | undefined> {
  return db.tx(async (c) => {
    // Due now, so the replay starts without waiting for the endpoint's next poll.
    const hook = await c.query('UPDATE webhooks SET next_attempt_at = least(next_attempt_at, $3) WHERE id = $1 AND tenant_id = $2', [r.webhookId, r.tenantId, r.now]);
    if (hook.rowCount !== 1) return undefined;
    const { rows } = await c.query<ReplayRow>(
      `INSERT INTO webhook_replays (tenant_id, id, webhook_id, cursor, end_cursor, from_at, to_at, state, sent, created_at)
       VALUES ($1, $2, $3, $4, ${FEED_HEAD_SQL}, $5, $6, 'running', 0, $7) RETURNING *`,
      [r.tenantId, r.id, r.webhookId, r.after ?? '0.0', r.fromAt, r.toAt, r.now],
    );
    return toReplay(rows[0]!);
  });
}

export async function listWebhookReplays(db: PgDb, tenantId: string, webhookId: string): Promise<WebhookReplay[]> {
  return (
    await db.query<ReplayRow>('SELECT * FROM webhook_replays WHERE webhook_id = $1 AND tenant_id = $2 ORDER BY created_at DESC, id DESC', [webhookId, tenantId])
  ).map(toReplay);
}
