// What the OpenAPI document says about each native route, keyed `METHOD /v1/path` as fastify
// registers it. The document is built from the routes fastify actually registered (document.ts),
// so a route cannot be left out; a registered route without an entry here is flagged
// `x-undocumented` and fails openapi.test.ts.
import { S, type Schema } from './schemas.js';

/** `public`: no API key needed. */
export type Scope = 'send' | 'read' | 'admin' | 'platform' | 'any' | 'public';

export interface QueryParam {
  readonly schema: Schema;
  readonly description: string;
}

export interface RouteDoc {
  readonly summary: string;
  readonly tag: string;
  readonly scope: Scope;
  /** The success status and its body (undefined: no body). */
  readonly ok: readonly [status: number, body: Schema | undefined, contentType?: string];
  readonly body?: Schema;
  readonly bodyType?: string;
  readonly bodyOptional?: boolean;
  readonly query?: Readonly<Record<string, QueryParam>>;
  readonly params?: Readonly<Record<string, string>>;
  readonly description?: string;
}

const { str, obj, ref, closed } = S;
const list = (key: string, item: Schema, cursor = false): Schema => obj({ [key]: { type: 'array', items: item }, ...(cursor ? { next_cursor: { type: ['string', 'null'] } } : {}) });
const limit = (max: number, def: number): QueryParam => ({ schema: { type: 'integer', minimum: 1, maximum: max, default: def }, description: `Page size, 1 to ${max}.` });
const cursor: QueryParam = { schema: str, description: 'The `next_cursor` of the previous page.' };
const bool = { type: 'boolean' } as const;
const replay = closed({ after: str, from: { type: ['string', 'integer'] }, to: { type: ['string', 'integer'] } });
const webhookBody = (create: boolean): Schema =>
  closed(
    {
      url: { type: 'string', format: 'uri' },
      events: { type: 'array', items: str },
      ...(create ? { format: { enum: ['native', 'sendgrid'] } } : { rotate_secret: bool }),
      batch_size: { type: 'integer', minimum: 1 },
      description: str,
      enabled: bool,
    },
    create ? ['url'] : [],
  );
const preview = (withContent: boolean): Schema =>
  closed({ ...(withContent ? { subject: str, html: str, text: str } : { version: { type: 'integer', minimum: 1 } }), data: { type: 'object' }, strict: bool }, withContent ? ['subject'] : []);

export const ROUTE_DOCS: Readonly<Record<string, RouteDoc>> = {
  'GET /v1/openapi.json': { summary: 'This document (OpenAPI 3.1)', tag: 'Reference', scope: 'public', ok: [200, { type: 'object' }] },
  'GET /v1/docs': { summary: 'This document as a readable HTML page', tag: 'Reference', scope: 'public', ok: [200, str, 'text/html'] },
  'POST /v1/messages': {
    summary: 'Send a message',
    tag: 'Messages',
    scope: 'send',
    body: ref('SendRequest'),
    ok: [202, ref('Accepted')],
    description: 'Answers 202 once the message is durably committed. An `Idempotency-Key` header makes a retry safe: the same key and body answer the first result with `Idempotent-Replayed: true`.',
  },
  'GET /v1/messages/:id': { summary: 'A message with its deliveries and events', tag: 'Messages', scope: 'read', ok: [200, ref('Message')] },
  'GET /v1/events': {
    summary: 'The event feed, in commit order',
    tag: 'Events',
    scope: 'read',
    query: { after: cursor, limit: limit(1000, 100) },
    ok: [200, obj({ events: { type: 'array', items: ref('Event') }, next_cursor: str })],
  },
  'GET /v1/stats': {
    summary: 'Counts and rates over time',
    tag: 'Stats',
    scope: 'read',
    query: {
      from: { schema: str, description: 'Start (ISO-8601 or Unix seconds).' },
      to: { schema: str, description: 'End (ISO-8601 or Unix seconds).' },
      interval: { schema: { enum: ['hour', 'day'] }, description: 'Bucket size.' },
      group_by: { schema: { enum: ['tag', 'domain'] }, description: 'Break down by tag or recipient domain.' },
      tag: { schema: str, description: 'Only this tag.' },
      domain: { schema: str, description: 'Only this recipient domain.' },
      limit: { schema: { type: 'integer', minimum: 1 }, description: 'Most groups shown with group_by.' },
    },
    ok: [200, ref('Stats')],
  },
  'POST /v1/domains': { summary: 'Add a sending domain', tag: 'Domains', scope: 'admin', body: closed({ name: str, dkim_algorithm: { enum: ['rsa', 'ed25519'] } }, ['name']), ok: [201, ref('Domain')] },
  'GET /v1/domains': { summary: 'List sending domains', tag: 'Domains', scope: 'read', ok: [200, list('domains', ref('Domain'))] },
  'GET /v1/domains/:name': { summary: 'A sending domain with its DNS records', tag: 'Domains', scope: 'read', ok: [200, ref('Domain')] },
  'DELETE /v1/domains/:name': { summary: 'Remove a sending domain', tag: 'Domains', scope: 'admin', ok: [204, undefined] },
  'POST /v1/domains/:name/verify': { summary: 'Check the DNS records now', tag: 'Domains', scope: 'admin', ok: [200, ref('Domain')] },
  'POST /v1/domains/:name/rotate': { summary: 'Start a DKIM key rotation', tag: 'Domains', scope: 'admin', ok: [200, ref('Domain')] },
  'GET /v1/suppressions': {
    summary: 'Search the suppression list',
    tag: 'Suppressions',
    scope: 'read',
    query: { q: { schema: { type: 'string', maxLength: 254 }, description: 'Address prefix or part.' }, reason: { schema: { enum: ['hard_bounce', 'complaint', 'unsubscribe', 'manual'] }, description: 'Only this reason.' }, after: cursor, limit: limit(1000, 100) },
    ok: [200, list('suppressions', ref('Suppression'), true)],
  },
  'GET /v1/suppressions/export': { summary: 'The whole list as CSV', tag: 'Suppressions', scope: 'read', ok: [200, str, 'text/csv'] },
  'GET /v1/suppressions/:email': { summary: 'One suppressed address', tag: 'Suppressions', scope: 'read', ok: [200, ref('Suppression')] },
  'POST /v1/suppressions': {
    summary: 'Suppress an address',
    tag: 'Suppressions',
    scope: 'send',
    body: closed({ email: str, reason: { enum: ['hard_bounce', 'complaint', 'unsubscribe', 'manual'] } }, ['email']),
    ok: [201, ref('Suppression')],
    description: '201 when added, 200 when it was listed already.',
  },
  'DELETE /v1/suppressions/:email': { summary: 'Remove an address from the list', tag: 'Suppressions', scope: 'admin', ok: [204, undefined] },
  'POST /v1/suppressions/import': {
    summary: 'Import a CSV list (all or nothing)',
    tag: 'Suppressions',
    scope: 'send',
    body: str,
    bodyType: 'text/csv',
    ok: [200, obj({ imported: { type: 'integer' }, added: { type: 'integer' }, updated: { type: 'integer' } })],
  },
  'POST /v1/templates': { summary: 'Create a template', tag: 'Templates', scope: 'admin', body: closed({ name: str, subject: str, html: str, text: str }, ['name', 'subject']), ok: [201, ref('Template')] },
  'GET /v1/templates': { summary: 'List templates', tag: 'Templates', scope: 'read', ok: [200, list('templates', ref('Template'))] },
  'GET /v1/templates/:ref': { summary: 'A template (by id or name) with its active version', tag: 'Templates', scope: 'read', ok: [200, ref('Template')] },
  'PATCH /v1/templates/:ref': { summary: 'Rename a template', tag: 'Templates', scope: 'admin', body: closed({ name: str }, ['name']), ok: [200, ref('Template')] },
  'DELETE /v1/templates/:ref': { summary: 'Delete a template', tag: 'Templates', scope: 'admin', ok: [204, undefined] },
  'POST /v1/templates/:ref/versions': {
    summary: 'Add a version (active unless activate is false)',
    tag: 'Templates',
    scope: 'admin',
    body: closed({ subject: str, html: str, text: str, activate: bool }, ['subject']),
    ok: [201, ref('TemplateVersion')],
  },
  'GET /v1/templates/:ref/versions': { summary: 'List versions', tag: 'Templates', scope: 'read', ok: [200, list('versions', ref('TemplateVersion'))] },
  'GET /v1/templates/:ref/versions/:version': { summary: 'One version', tag: 'Templates', scope: 'read', ok: [200, ref('TemplateVersion')] },
  'POST /v1/templates/:ref/versions/:version/activate': { summary: 'Make a version the active one', tag: 'Templates', scope: 'admin', ok: [200, ref('Template')] },
  'POST /v1/templates/:ref/preview': { summary: 'Render a stored template with sample data', tag: 'Templates', scope: 'read', body: preview(false), bodyOptional: true, ok: [200, ref('Rendered')] },
  'POST /v1/templates/preview': { summary: 'Render template sources given in the request', tag: 'Templates', scope: 'read', body: preview(true), ok: [200, ref('Rendered')] },
  'POST /v1/webhooks': { summary: 'Add a webhook endpoint', tag: 'Webhooks', scope: 'admin', body: webhookBody(true), ok: [201, ref('Webhook')] },
  'GET /v1/webhooks': { summary: 'List webhook endpoints', tag: 'Webhooks', scope: 'admin', ok: [200, list('webhooks', ref('Webhook'))] },
  'GET /v1/webhooks/:id': { summary: 'A webhook endpoint and its state', tag: 'Webhooks', scope: 'admin', ok: [200, ref('Webhook')] },
  'PATCH /v1/webhooks/:id': { summary: 'Change an endpoint (or rotate its secret)', tag: 'Webhooks', scope: 'admin', body: webhookBody(false), ok: [200, ref('Webhook')] },
  'DELETE /v1/webhooks/:id': { summary: 'Delete an endpoint', tag: 'Webhooks', scope: 'admin', ok: [204, undefined] },
  'GET /v1/webhooks/:id/deliveries': { summary: 'The delivery log of an endpoint', tag: 'Webhooks', scope: 'admin', query: { limit: limit(1000, 100) }, ok: [200, list('deliveries', ref('WebhookAttempt'))] },
  'POST /v1/webhooks/:id/replay': { summary: 'Send past events again', tag: 'Webhooks', scope: 'admin', body: replay, bodyOptional: true, ok: [202, ref('WebhookReplay')] },
  'GET /v1/webhooks/:id/replays': { summary: 'Replays of an endpoint', tag: 'Webhooks', scope: 'admin', ok: [200, list('replays', ref('WebhookReplay'))] },
  'GET /v1/ses-credentials': {
    summary: 'The SES (SigV4) credentials of the calling API key',
    tag: 'Compatibility',
    scope: 'any',
    ok: [200, obj({ key_id: str, access_key_id: str, secret_access_key: str, scopes: { type: 'array', items: str } })],
    description: 'For the SES-compatible API: the access key id and secret derived from the API key that calls this.',
  },
  'GET /v1/settings/tracking': { summary: 'Open and click tracking defaults', tag: 'Settings', scope: 'read', ok: [200, ref('TrackingSettings')] },
  'PUT /v1/settings/tracking': { summary: 'Set open and click tracking defaults', tag: 'Settings', scope: 'admin', body: ref('TrackingSettings'), ok: [200, ref('TrackingSettings')] },
  'GET /v1/queue/summary': { summary: 'Unfinished deliveries per destination: counts by state, oldest age, last error, back-off, holds', tag: 'Queue', scope: 'admin', ok: [200, { type: 'object' }] },
  'GET /v1/queue/deliveries': {
    summary: 'Unfinished deliveries matching a filter, with cursor paging',
    tag: 'Queue',
    scope: 'admin',
    query: {
      state: { schema: str, description: 'Comma-separated: queued, in_flight, deferred, scheduled, held.' },
      destination: { schema: str, description: 'Recipient domain.' },
      tenant: { schema: str, description: 'Tenant id (platform keys).' },
      tag: { schema: str, description: 'A tag of the message.' },
      recipient: { schema: str, description: 'Text in the recipient address.' },
      sender: { schema: str, description: 'Text in the sender address.' },
      older_than: { schema: str, description: 'Age such as 2h.' },
      reply: { schema: str, description: 'Text in the last reply.' },
      limit: limit(1000, 100),
      cursor,
    },
    ok: [200, { type: 'object' }],
  },
  'GET /v1/queue/messages/:id': { summary: 'Inspect a message: envelope, headers, attempts, events', tag: 'Queue', scope: 'admin', ok: [200, { type: 'object' }] },
  'POST /v1/queue/:action': {
    summary: 'hold, release, retry, bounce or delete: on a message, deliveries, a filter, a destination or a tenant',
    tag: 'Queue',
    scope: 'admin',
    params: { action: 'hold, release, retry, bounce or delete' },
    body: { type: 'object' },
    ok: [200, { type: 'object' }],
    description: 'Reports how many deliveries matched, were touched and were skipped (with the reason); repeating an action touches nothing more. Every change is an event and an audit record.',
  },
  'GET /v1/queue/holds': { summary: 'Standing holds on destinations and tenants', tag: 'Queue', scope: 'admin', ok: [200, { type: 'object' }] },
  'DELETE /v1/queue/holds/:id': { summary: 'Lift a standing hold', tag: 'Queue', scope: 'admin', ok: [200, { type: 'object' }] },
  'GET /v1/audit': { summary: 'Audit records of operator actions, newest first', tag: 'Queue', scope: 'admin', query: { limit: limit(1000, 100) }, ok: [200, { type: 'object' }] },
  'GET /v1/tenants': { summary: 'List tenants', tag: 'Tenants', scope: 'platform', query: { deleted: { schema: str, description: '`true` lists deleted tenants too.' } }, ok: [200, { type: 'object' }] },
  'POST /v1/tenants': { summary: 'Create a tenant', tag: 'Tenants', scope: 'platform', body: { type: 'object' }, ok: [201, { type: 'object' }] },
  'GET /v1/tenants/:id': { summary: 'One tenant', tag: 'Tenants', scope: 'platform', ok: [200, { type: 'object' }] },
  'POST /v1/tenants/:id/keys': { summary: "Mint a key of the tenant's (never a platform key)", tag: 'Tenants', scope: 'platform', body: { type: 'object' }, ok: [201, { type: 'object' }] },
  'POST /v1/tenants/:id/suspend': { summary: 'Suspend a tenant: sends refused, queue held', tag: 'Tenants', scope: 'platform', body: { type: 'object' }, ok: [200, { type: 'object' }] },
  'POST /v1/tenants/:id/resume': { summary: 'Resume a suspended tenant', tag: 'Tenants', scope: 'platform', ok: [200, { type: 'object' }] },
  'DELETE /v1/tenants/:id': { summary: "Delete a tenant: its queue dropped, keys revoked, domains removed", tag: 'Tenants', scope: 'platform', ok: [200, { type: 'object' }] },
};
