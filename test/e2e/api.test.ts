// The native API's contract: authentication and scopes, idempotency, scheduling, and a table
// of bad requests that each get a precise error and write nothing.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mintApiKey } from '../../src/ingress/auth.js';
import { startSink, type Sink } from '../support/sink.js';
import { sinkRoute, startTxmail, type Harness } from '../support/harness.js';

let sink: Sink;
let tx: Harness;
let readKey: string;

before(async () => {
  sink = await startSink({ tls: 'none' });
  tx = await startTxmail({ 'delivery.routes': [sinkRoute(sink.port)], 'limits.max_recipients': 5, 'limits.max_message_bytes': 64 * 1024 });
  const { key, record } = mintApiKey(tx.tenantId, 'reader', ['read'], Date.now());
  await tx.app.store.createApiKey(record);
  readKey = key;
});
after(async () => {
  await tx.close();
  await sink.close();
});

const ok = { from: 'app@sender.test', to: 'user@dest.test', subject: 'Hi', text: 'hello' };

async function eventCount(): Promise<number> {
  return ((await tx.get('/v1/events?limit=1000')).body.events as unknown[]).length;
}

test('an idempotent repeat returns the first answer and sends nothing; another body is a 409', async () => {
  const body = { ...ok, to: 'idem@dest.test' };
  const first = await tx.post('/v1/messages', body, { 'idempotency-key': 'order-42' });
  assert.equal(first.status, 202);
  const again = await tx.post('/v1/messages', body, { 'idempotency-key': 'order-42' });
  assert.equal(again.status, 202);
  assert.deepEqual(again.body, first.body);
  const other = await tx.post('/v1/messages', { ...body, subject: 'changed' }, { 'idempotency-key': 'order-42' });
  assert.equal(other.status, 409);
  assert.equal((other.body.error as { code: string }).code, 'TX_ERR_IDEMPOTENCY_CONFLICT');
  await tx.waitForStates(first.body.id as string, ['delivered']);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(sink.messages.filter((m) => m.to.includes('idem@dest.test')).length, 1);
});

test('a scheduled message waits for send_at', async () => {
  const at = Date.now() + 1500;
  const res = await tx.post('/v1/messages', { ...ok, to: 'later@dest.test', send_at: new Date(at).toISOString() });
  assert.equal(res.status, 202);
  assert.equal((res.body.recipients as Array<{ status: string }>)[0]!.status, 'scheduled');
  await new Promise((r) => setTimeout(r, 700));
  assert.equal(sink.messages.filter((m) => m.to.includes('later@dest.test')).length, 0, 'not before its time');
  await tx.waitForStates(res.body.id as string, ['delivered'], 10_000);
  const arrived = sink.messages.find((m) => m.to.includes('later@dest.test'));
  assert.ok(arrived);
});

test('GET of another tenant’s or an unknown message is a 404', async () => {
  const res = await tx.get('/v1/messages/msg_00000000000000000000000000');
  assert.equal(res.status, 404);
  assert.equal((res.body.error as { code: string }).code, 'TX_ERR_NOT_FOUND');
});

test('a read-only key can read but not send', async () => {
  const send = await tx.post('/v1/messages', ok, { authorization: `Bearer ${readKey}` });
  assert.equal(send.status, 403);
  assert.equal((send.body.error as { code: string }).code, 'TX_ERR_FORBIDDEN');
  const read = await tx.get('/v1/events?limit=1', { authorization: `Bearer ${readKey}` });
  assert.equal(read.status, 200);
});

interface BadCase {
  readonly name: string;
  readonly body?: unknown;
  readonly raw?: string;
  readonly headers?: Record<string, string>;
  readonly status: number;
  readonly code: string;
  /** The first field path reported, when the error is about a field. */
  readonly path?: string;
  readonly message?: RegExp;
}

const big = 'x'.repeat(70 * 1024);
const BAD: readonly BadCase[] = [
  { name: 'no Authorization header', body: ok, headers: { authorization: '' }, status: 401, code: 'TX_ERR_UNAUTHENTICATED' },
  { name: 'not a Bearer token', body: ok, headers: { authorization: 'Basic Zm9vOmJhcg==' }, status: 401, code: 'TX_ERR_UNAUTHENTICATED' },
  { name: 'malformed key', body: ok, headers: { authorization: 'Bearer nope' }, status: 401, code: 'TX_ERR_UNAUTHENTICATED' },
  { name: 'well-formed unknown key', body: ok, headers: { authorization: `Bearer SG.aaaaaaaaaaaaaaaa.${'A'.repeat(43)}` }, status: 401, code: 'TX_ERR_UNAUTHENTICATED' },
  { name: 'malformed JSON', raw: '{"from": "a@b.test",', status: 400, code: 'TX_ERR_BAD_REQUEST', message: /not valid JSON/ },
  { name: 'empty body', raw: '', status: 400, code: 'TX_ERR_BAD_REQUEST' },
  { name: 'JSON array instead of an object', body: [ok], status: 400, code: 'TX_ERR_BAD_REQUEST' },
  { name: 'form-encoded body', raw: 'from=a', headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 415, code: 'TX_ERR_UNSUPPORTED_MEDIA_TYPE' },
  { name: 'missing from', body: { ...ok, from: undefined }, status: 422, code: 'TX_ERR_VALIDATION', path: 'from' },
  { name: 'from without @', body: { ...ok, from: 'nobody' }, status: 422, code: 'TX_ERR_VALIDATION', path: 'from' },
  { name: 'no recipients', body: { ...ok, to: [] }, status: 422, code: 'TX_ERR_VALIDATION', path: 'to' },
  { name: 'recipient with two @', body: { ...ok, to: 'a@b@dest.test' }, status: 422, code: 'TX_ERR_VALIDATION', path: 'to' },
  { name: 'recipient domain with a leading hyphen', body: { ...ok, to: 'a@-dest.test' }, status: 422, code: 'TX_ERR_VALIDATION', path: 'to' },
  { name: 'recipient local part over 64 octets', body: { ...ok, to: `${'a'.repeat(65)}@dest.test` }, status: 422, code: 'TX_ERR_VALIDATION', path: 'to' },
  { name: 'CRLF in a display name', body: { ...ok, to: { email: 'a@dest.test', name: 'A\r\nBcc: evil@x.test' } }, status: 422, code: 'TX_ERR_VALIDATION', path: 'to.name' },
  { name: 'CRLF header injection in the subject', body: { ...ok, subject: 'Hi\r\nBcc: evil@x.test' }, status: 422, code: 'TX_ERR_VALIDATION', path: 'subject' },
  { name: 'bare LF in a header value', body: { ...ok, headers: { 'X-Ref': 'a\nb' } }, status: 422, code: 'TX_ERR_VALIDATION', path: 'headers.X-Ref' },
  { name: 'header name with a colon', body: { ...ok, headers: { 'X-A:B': '1' } }, status: 422, code: 'TX_ERR_VALIDATION' },
  { name: 'setting Message-ID', body: { ...ok, headers: { 'Message-ID': '<x@y>' } }, status: 422, code: 'TX_ERR_VALIDATION', path: 'headers.Message-ID' },
  { name: 'setting Bcc as a header', body: { ...ok, headers: { Bcc: 'evil@x.test' } }, status: 422, code: 'TX_ERR_VALIDATION', path: 'headers.Bcc' },
  { name: 'setting DKIM-Signature', body: { ...ok, headers: { 'DKIM-Signature': 'v=1' } }, status: 422, code: 'TX_ERR_VALIDATION', path: 'headers.DKIM-Signature' },
  { name: 'no text and no html', body: { ...ok, text: undefined }, status: 422, code: 'TX_ERR_VALIDATION', message: /empty|content/i },
  { name: 'empty text and html', body: { ...ok, text: '', html: '' }, status: 422, code: 'TX_ERR_VALIDATION' },
  { name: 'missing subject', body: { ...ok, subject: undefined }, status: 422, code: 'TX_ERR_VALIDATION', path: 'subject' },
  { name: 'unknown top-level field', body: { ...ok, priority: 'high' }, status: 422, code: 'TX_ERR_VALIDATION', path: 'priority' },
  { name: 'camelCase field name', body: { ...ok, replyTo: 'a@b.test' }, status: 422, code: 'TX_ERR_VALIDATION', path: 'replyTo', message: /reply_to/ },
  { name: 'attachment with invalid base64', body: { ...ok, attachments: [{ filename: 'a.pdf', content: 'not base64!!' }] }, status: 422, code: 'TX_ERR_VALIDATION', path: 'attachments[0].content' },
  { name: 'attachment without filename', body: { ...ok, attachments: [{ content: 'aGVsbG8=' }] }, status: 422, code: 'TX_ERR_VALIDATION', path: 'attachments[0].filename' },
  { name: 'attachment filename with CRLF', body: { ...ok, attachments: [{ filename: 'a\r\n.pdf', content: 'aGVsbG8=' }] }, status: 422, code: 'TX_ERR_VALIDATION', path: 'attachments[0].filename' },
  { name: 'tags not a list', body: { ...ok, tags: 'receipt' }, status: 422, code: 'TX_ERR_VALIDATION', path: 'tags' },
  { name: 'metadata value not a string', body: { ...ok, metadata: { n: 1 } }, status: 422, code: 'TX_ERR_VALIDATION', path: 'metadata.n' },
  { name: 'send_at not a time', body: { ...ok, send_at: 'tomorrow' }, status: 422, code: 'TX_ERR_VALIDATION', path: 'send_at' },
  { name: 'send_at a year ahead', body: { ...ok, send_at: Math.floor(Date.now() / 1000) + 365 * 86400 }, status: 422, code: 'TX_ERR_VALIDATION', path: 'send_at' },
  { name: 'more recipients than the limit', body: { ...ok, to: ['a', 'b', 'c', 'd', 'e', 'f'].map((x) => `${x}@dest.test`) }, status: 422, code: 'TX_ERR_TOO_MANY_RECIPIENTS' },
  { name: 'message over the size limit', body: { ...ok, text: big }, status: 413, code: 'TX_ERR_TOO_LARGE' },
  { name: 'Idempotency-Key with a space', body: ok, headers: { 'idempotency-key': 'a b' }, status: 400, code: 'TX_ERR_BAD_REQUEST', path: 'Idempotency-Key' },
];

for (const c of BAD) {
  test(`bad request: ${c.name} → ${c.status} ${c.code}`, async () => {
    const before = await eventCount();
    // A case's headers override the defaults; an empty authorization means "send none".
    const headers: Record<string, string> = { authorization: `Bearer ${tx.key}`, 'content-type': 'application/json', ...c.headers };
    if (headers.authorization === '') delete headers.authorization;
    const init: RequestInit = { method: 'POST', headers, body: c.raw ?? JSON.stringify(c.body) };
    const res = await fetch(`${tx.url}/v1/messages`, init);
    const body = (await res.json()) as { error: { code: string; message: string; fields: Array<{ path: string; message: string }> } };
    assert.equal(res.status, c.status, JSON.stringify(body));
    assert.equal(body.error.code, c.code);
    assert.ok(body.error.message.length > 10, 'a message a person can read');
    if (c.path !== undefined) assert.equal(body.error.fields[0]?.path, c.path, JSON.stringify(body.error.fields));
    if (c.message) assert.match(body.error.message + JSON.stringify(body.error.fields), c.message);
    assert.equal(await eventCount(), before, 'a rejected request writes nothing');
  });
}
