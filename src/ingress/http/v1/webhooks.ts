// /v1/webhooks: endpoints (CRUD), their delivery log, and replays. Admin scope: an endpoint
// receives every event of the tenant it asks for. The signing secret (native) is shown when the
// endpoint is created or its secret rotated, never listed; a SendGrid-format endpoint shows its
// public verification key instead, which is not secret.
import type { FastifyInstance } from 'fastify';
import { TxError } from '../../../domain/errors.js';
import { parseWebhookCreate, parseWebhookPatch } from '../../../domain/webhooks/endpoint.js';
import { parseReplayRequest, REPLAY_TIME_SLACK_MS } from '../../../domain/webhooks/replay.js';
import { newSendgridKeyPair, newWebhookSecret } from '../../../domain/webhooks/sign.js';
import { ulid } from '../../../lib/ids.js';
import type { WebhookAttempt, WebhookEndpoint, WebhookReplay } from '../../../store/store.js';
import { requireScope } from '../../auth.js';
import type { EventsOutOptions, HttpDeps } from '../deps.js';
import { authOf } from './index.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export const DEFAULT_EVENTS_OUT: EventsOutOptions = { maxBatch: 1000, checkWebhookUrl: async () => undefined, onTrackingChanged: () => undefined };

function webhookView(w: WebhookEndpoint, showSecret = false): Record<string, unknown> {
  return {
    id: w.id,
    url: w.url,
    events: w.eventTypes,
    format: w.format,
    batch_size: w.batchSize,
    description: w.description,
    enabled: w.enabled,
    state: !w.enabled ? 'disabled' : w.failures > 0 ? 'failing' : 'active',
    disabled_reason: w.disabledReason,
    disabled_at: iso(w.disabledAt),
    failures: w.failures,
    failing_since: iso(w.firstFailureAt),
    next_attempt_at: iso(w.nextAttemptAt),
    last_attempt_at: iso(w.lastAttemptAt),
    last_status: w.lastStatus,
    last_error: w.lastError,
    cursor: w.cursor,
    created_at: iso(w.createdAt),
    updated_at: iso(w.updatedAt),
    ...(w.format === 'sendgrid' ? { public_key: w.publicKey } : {}),
    ...(showSecret && w.format === 'native' ? { secret: w.secret } : {}),
  };
}

const attemptView = (a: WebhookAttempt): Record<string, unknown> => ({
  id: a.id,
  at: iso(a.at),
  replay_id: a.replayId,
  events: a.events,
  first_event_id: a.firstEventId,
  last_event_id: a.lastEventId,
  status: a.status,
  ok: a.ok,
  latency_ms: a.latencyMs,
  error: a.error,
});

const replayView = (r: WebhookReplay): Record<string, unknown> => ({
  id: r.id,
  webhook_id: r.webhookId,
  state: r.state,
  cursor: r.cursor,
  end_cursor: r.endCursor,
  from: iso(r.fromAt),
  to: iso(r.toAt),
  sent: r.sent,
  created_at: iso(r.createdAt),
  finished_at: iso(r.finishedAt),
});

function secretsFor(format: 'native' | 'sendgrid'): { secret: string; publicKey: string | null } {
  if (format === 'native') return { secret: newWebhookSecret(), publicKey: null };
  const { privateKeyPem, publicKey } = newSendgridKeyPair();
  return { secret: privateKeyPem, publicKey };
}

export async function webhookRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const opts = deps.eventsOut ?? DEFAULT_EVENTS_OUT;
  const refuseUrl = async (url: string): Promise<void> => {
    const why = await opts.checkWebhookUrl(url);
    if (why !== undefined) throw new TxError('TX_ERR_WEBHOOK_TARGET_REFUSED', `The webhook URL cannot be used: ${why}.`, [{ path: 'url', message: why }]);
  };
  const found = async (tenantId: string, id: string): Promise<WebhookEndpoint> => {
    const w = await deps.store.getWebhook(tenantId, id);
    if (!w) throw new TxError('TX_ERR_NOT_FOUND', `No webhook ${id}.`);
    return w;
  };

  app.post('/webhooks', async (req, reply) => {
    const auth = authOf(req);
    requireScope(auth, 'admin');
    const s = parseWebhookCreate(req.body, opts.maxBatch);
    await refuseUrl(s.url);
    const now = deps.now();
    const w = await deps.store.createWebhook({ id: `wh_${ulid(now)}`, tenantId: auth.tenantId, ...s, ...secretsFor(s.format), now });
    req.log.info({ webhook: w.id, tenant: auth.tenantId, format: w.format }, 'webhook created');
    return reply.status(201).send(webhookView(w, true));
  });

  app.get('/webhooks', async (req) => {
    const auth = authOf(req);
    requireScope(auth, 'admin');
    return { webhooks: (await deps.store.listWebhooks(auth.tenantId)).map((w) => webhookView(w)) };
  });

  app.get<{ Params: { id: string } }>('/webhooks/:id', async (req) => {
    const auth = authOf(req);
    requireScope(auth, 'admin');
    return webhookView(await found(auth.tenantId, req.params.id));
  });

  app.patch<{ Params: { id: string } }>('/webhooks/:id', async (req) => {
    const auth = authOf(req);
    requireScope(auth, 'admin');
    const p = parseWebhookPatch(req.body, opts.maxBatch);
    const current = await found(auth.tenantId, req.params.id);
    if (p.url !== undefined) await refuseUrl(p.url);
    const rotated = p.rotateSecret ? secretsFor(current.format) : undefined;
    const w = await deps.store.updateWebhook(auth.tenantId, req.params.id, {
      ...(p.url !== undefined ? { url: p.url } : {}),
      ...(p.eventTypes !== undefined ? { eventTypes: p.eventTypes } : {}),
      ...(p.batchSize !== undefined ? { batchSize: p.batchSize } : {}),
      ...(p.description !== undefined ? { description: p.description } : {}),
      ...(p.enabled !== undefined ? { enabled: p.enabled } : {}),
      ...(rotated ? { secret: rotated.secret, publicKey: rotated.publicKey } : {}),
      now: deps.now(),
    });
    if (!w) throw new TxError('TX_ERR_NOT_FOUND', `No webhook ${req.params.id}.`);
    return webhookView(w, rotated !== undefined);
  });

  app.delete<{ Params: { id: string } }>('/webhooks/:id', async (req, reply) => {
    const auth = authOf(req);
    requireScope(auth, 'admin');
    if (!(await deps.store.deleteWebhook(auth.tenantId, req.params.id))) throw new TxError('TX_ERR_NOT_FOUND', `No webhook ${req.params.id}.`);
    return reply.status(204).send();
  });

  app.get<{ Params: { id: string }; Querystring: { limit?: string } }>('/webhooks/:id/deliveries', async (req) => {
    const auth = authOf(req);
    requireScope(auth, 'admin');
    const n = req.query.limit === undefined ? 100 : Number(req.query.limit);
    if (!Number.isInteger(n) || n < 1 || n > 1000) {
      throw new TxError('TX_ERR_VALIDATION', 'Invalid query: limit must be an integer from 1 to 1000', [{ path: 'limit', message: 'must be an integer from 1 to 1000' }]);
    }
    await found(auth.tenantId, req.params.id);
    return { deliveries: (await deps.store.listWebhookAttempts(auth.tenantId, req.params.id, n)).map(attemptView) };
  });

  app.post<{ Params: { id: string } }>('/webhooks/:id/replay', async (req, reply) => {
    const auth = authOf(req);
    requireScope(auth, 'admin');
    const now = deps.now();
    const r = parseReplayRequest(req.body, now);
    await found(auth.tenantId, req.params.id);
    // A time range without a cursor starts where the feed reaches its start, a margin early.
    const after = r.after ?? (await deps.store.feedCursorAt(auth.tenantId, r.fromAt! - REPLAY_TIME_SLACK_MS));
    const replay = await deps.store.createWebhookReplay({ id: `rpl_${ulid(now)}`, tenantId: auth.tenantId, webhookId: req.params.id, after, fromAt: r.fromAt, toAt: r.toAt, now });
    if (!replay) throw new TxError('TX_ERR_NOT_FOUND', `No webhook ${req.params.id}.`);
    return reply.status(202).send(replayView(replay));
  });

  app.get<{ Params: { id: string } }>('/webhooks/:id/replays', async (req) => {
    const auth = authOf(req);
    requireScope(auth, 'admin');
    await found(auth.tenantId, req.params.id);
    return { replays: (await deps.store.listWebhookReplays(auth.tenantId, req.params.id)).map(replayView) };
  });
}
