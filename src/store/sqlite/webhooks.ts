// Webhook endpoints, their replays and delivery log: the API's verbs. The dispatcher's verbs
// (claim, renew, release, progress) are in webhook-dispatch.ts.
import { toReplay, toWebhook, type ReplayRow, type WebhookRow } from '../rows.js';
import type { NewWebhook, NewWebhookReplay, WebhookAttempt, WebhookEndpoint, WebhookReplay, WebhookUpdate } from '../store.js';
import type { SqliteDb } from './db.js';
import { feedHeadSync } from './feed.js';

const getRow = (s: SqliteDb, tenantId: string, id: string): WebhookRow | undefined =>
  s.stmt('SELECT * FROM webhooks WHERE id = ? AND tenant_id = ?').get(id, tenantId) as WebhookRow | undefined;

export function createWebhook(s: SqliteDb, w: NewWebhook): Promise<WebhookEndpoint> {
  return s.write(() => {
    // The head is read in the same transaction as the insert, so no event slips between them.
    s.stmt(
      `INSERT INTO webhooks (id, tenant_id, url, event_types, format, secret, public_key, batch_size, description, enabled,
                             disabled_reason, disabled_at, created_at, updated_at, cursor, next_attempt_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      w.id, w.tenantId, w.url, JSON.stringify(w.eventTypes), w.format, w.secret, w.publicKey, w.batchSize, w.description, w.enabled ? 1 : 0,
      w.enabled ? null : 'disabled by API', w.enabled ? null : w.now, w.now, w.now, feedHeadSync(s, w.tenantId), w.now,
    );
    return toWebhook(getRow(s, w.tenantId, w.id)!);
  });
}

export function getWebhook(s: SqliteDb, tenantId: string, id: string): Promise<WebhookEndpoint | undefined> {
  return s.read(() => {
    const r = getRow(s, tenantId, id);
    return r && toWebhook(r);
  });
}

export function listWebhooks(s: SqliteDb, tenantId: string): Promise<WebhookEndpoint[]> {
  return s.read(() => (s.stmt('SELECT * FROM webhooks WHERE tenant_id = ? ORDER BY created_at, id').all(tenantId) as WebhookRow[]).map(toWebhook));
}

export function updateWebhook(s: SqliteDb, tenantId: string, id: string, u: WebhookUpdate): Promise<WebhookEndpoint | undefined> {
  return s.write(() => {
    const r = getRow(s, tenantId, id);
    if (!r) return undefined;
    const next: WebhookRow = {
      ...r,
      url: u.url ?? r.url,
      event_types: u.eventTypes ? JSON.stringify(u.eventTypes) : r.event_types,
      batch_size: u.batchSize ?? r.batch_size,
      description: u.description ?? r.description,
      secret: u.secret ?? r.secret,
      public_key: u.publicKey !== undefined ? u.publicKey : r.public_key,
      updated_at: u.now,
    };
    if (u.enabled === true && r.enabled === 0) {
      Object.assign(next, { enabled: 1, disabled_reason: null, disabled_at: null, failures: 0, first_failure_at: null, next_attempt_at: u.now });
    } else if (u.enabled === false && r.enabled === 1) {
      Object.assign(next, { enabled: 0, disabled_reason: 'disabled by API', disabled_at: u.now });
    }
    s.stmt(
      `UPDATE webhooks SET url = @url, event_types = @event_types, batch_size = @batch_size, description = @description, secret = @secret,
              public_key = @public_key, updated_at = @updated_at, enabled = @enabled, disabled_reason = @disabled_reason,
              disabled_at = @disabled_at, failures = @failures, first_failure_at = @first_failure_at, next_attempt_at = @next_attempt_at
        WHERE id = @id`,
    ).run({
      id: next.id, url: next.url, event_types: next.event_types, batch_size: next.batch_size, description: next.description, secret: next.secret,
      public_key: next.public_key, updated_at: next.updated_at, enabled: next.enabled, disabled_reason: next.disabled_reason,
      disabled_at: next.disabled_at, failures: next.failures, first_failure_at: next.first_failure_at, next_attempt_at: next.next_attempt_at,
    });
    return toWebhook(next);
  });
}

export function deleteWebhook(s: SqliteDb, tenantId: string, id: string): Promise<boolean> {
  return s.write(() => {
    const gone = s.stmt('DELETE FROM webhooks WHERE id = ? AND tenant_id = ?').run(id, tenantId).changes === 1;
    if (gone) {
      s.stmt('DELETE FROM webhook_replays WHERE webhook_id = ?').run(id);
      s.stmt('DELETE FROM webhook_attempts WHERE webhook_id = ?').run(id);
    }
    return gone;
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
  ok: number;
  latency_ms: number;
  error: string | null;
};

export function listWebhookAttempts(s: SqliteDb, tenantId: string, webhookId: string, limit: number): Promise<WebhookAttempt[]> {
  return s.read(() => {
    if (!getRow(s, tenantId, webhookId)) return [];
    const rows = s.stmt('SELECT * FROM webhook_attempts WHERE webhook_id = ? ORDER BY id DESC LIMIT ?').all(webhookId, limit) as AttemptRow[];
    return rows.map((r) => ({
      id: r.id,
      webhookId: r.webhook_id,
      replayId: r.replay_id,
      at: r.at,
      events: r.events,
      firstEventId: r.first_event_id,
      lastEventId: r.last_event_id,
      status: r.status,
      ok: r.ok === 1,
      latencyMs: r.latency_ms,
      error: r.error,
    }));
  });
}

export function createWebhookReplay(s: SqliteDb, r: NewWebhookReplay): Promise<WebhookReplay | undefined> {
  return s.write(() => {
    if (!getRow(s, r.tenantId, r.webhookId)) return undefined;
    const row: ReplayRow = {
      id: r.id,
      webhook_id: r.webhookId,
      tenant_id: r.tenantId,
      cursor: r.after ?? '0',
      end_cursor: feedHeadSync(s, r.tenantId),
      from_at: r.fromAt,
      to_at: r.toAt,
      state: 'running',
      sent: 0,
      created_at: r.now,
      finished_at: null,
    };
    s.stmt(
      `INSERT INTO webhook_replays (id, webhook_id, tenant_id, cursor, end_cursor, from_at, to_at, state, sent, created_at, finished_at)
       VALUES (@id, @webhook_id, @tenant_id, @cursor, @end_cursor, @from_at, @to_at, @state, @sent, @created_at, @finished_at)`,
    ).run(row);
    // Due now, so the replay starts without waiting for the endpoint's next poll.
    s.stmt('UPDATE webhooks SET next_attempt_at = min(next_attempt_at, ?) WHERE id = ?').run(r.now, r.webhookId);
    return toReplay(row);
  });
}

export function listWebhookReplays(s: SqliteDb, tenantId: string, webhookId: string): Promise<WebhookReplay[]> {
  return s.read(() =>
    (s.stmt('SELECT * FROM webhook_replays WHERE webhook_id = ? AND tenant_id = ? ORDER BY created_at DESC, id DESC').all(webhookId, tenantId) as ReplayRow[]).map(toReplay),
  );
}
