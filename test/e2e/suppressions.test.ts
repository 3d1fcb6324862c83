// The suppression list API: add, look up, search and page, remove, and CSV export/import round
// trips between tenants; a bad CSV imports nothing.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mintApiKey } from '../../src/ingress/auth.js';
import { sinkRoute, startTxmail, type Harness } from '../support/harness.js';
import { startSink, type Sink } from '../support/sink.js';

let sink: Sink;
let tx: Harness;
let otherKey: string;

before(async () => {
  sink = await startSink({ tls: 'none' });
  tx = await startTxmail({ 'delivery.routes': [sinkRoute(sink.port, '*', 'none')] });
  const now = Date.now();
  await tx.app.store.createTenant({ id: 'ten_other', name: 'other', createdAt: now });
  const k = mintApiKey('ten_other', 'other admin', ['admin'], now);
  await tx.app.store.createApiKey(k.record);
  otherKey = k.key;
});
after(async () => {
  await tx.close();
  await sink.close();
});

type Row = { email: string; reason: string; source_message_id: string | null; created_at: string };

async function raw(method: string, path: string, body?: string, headers: Record<string, string> = {}, key = tx.key): Promise<Response> {
  return fetch(tx.url + path, { method, headers: { authorization: `Bearer ${key}`, ...headers }, ...(body !== undefined ? { body } : {}) });
}

test('add, look up, list with search and pages, remove', async () => {
  for (const [email, reason] of [
    ['Zed@Example.org', undefined],
    ['amy@example.org', 'complaint'],
    ['bob@other.example', 'hard_bounce'],
    ['cat@example.org', 'unsubscribe'],
  ] as const) {
    const r = await tx.post('/v1/suppressions', { email, ...(reason ? { reason } : {}) });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
  assert.equal((await tx.post('/v1/suppressions', { email: 'amy@example.org', reason: 'manual' })).status, 200, 'already listed: refreshed');
  const one = await tx.get('/v1/suppressions/ZED%40example.org');
  assert.deepEqual([one.status, one.body.email, one.body.reason], [200, 'zed@example.org', 'manual']);

  const p1 = await tx.get('/v1/suppressions?limit=2');
  assert.deepEqual((p1.body.suppressions as Row[]).map((r) => r.email), ['amy@example.org', 'bob@other.example']);
  const p2 = await tx.get(`/v1/suppressions?limit=2&after=${p1.body.next_cursor as string}`);
  assert.deepEqual((p2.body.suppressions as Row[]).map((r) => r.email), ['cat@example.org', 'zed@example.org']);
  assert.equal(p2.body.next_cursor, null);
  assert.deepEqual(((await tx.get('/v1/suppressions?q=EXAMPLE.ORG')).body.suppressions as Row[]).map((r) => r.email), ['amy@example.org', 'cat@example.org', 'zed@example.org']);
  assert.deepEqual(((await tx.get('/v1/suppressions?reason=hard_bounce')).body.suppressions as Row[]).map((r) => r.email), ['bob@other.example']);

  const bad = await tx.get('/v1/suppressions?limit=0&reason=spam&after=%%%');
  assert.equal(bad.status, 422);
  assert.deepEqual((bad.body.error as { fields: Array<{ path: string }> }).fields.map((f) => f.path), ['limit', 'reason', 'after']);
  assert.equal((await tx.post('/v1/suppressions', { email: 'not an address' })).status, 422);

  const send = await tx.post('/v1/messages', { from: 'shop@sender.test', to: ['cat@example.org', 'dan@example.org'], subject: 'x', text: 'x' });
  assert.deepEqual((send.body.recipients as Array<{ status: string }>).map((r) => r.status), ['dropped', 'queued']);

  assert.equal((await raw('DELETE', '/v1/suppressions/cat%40example.org')).status, 204);
  assert.equal((await raw('DELETE', '/v1/suppressions/cat%40example.org')).status, 404);
  assert.equal((await tx.get('/v1/suppressions/cat%40example.org')).status, 404);
  // Another tenant sees none of it.
  assert.deepEqual(((await (await raw('GET', '/v1/suppressions', undefined, {}, otherKey)).json()) as { suppressions: Row[] }).suppressions, []);
});

test('CSV export and import round trip into another tenant', async () => {
  const exported = await raw('GET', '/v1/suppressions/export');
  assert.equal(exported.status, 200);
  assert.match(exported.headers.get('content-type') ?? '', /^text\/csv/);
  const csv = await exported.text();
  assert.match(csv, /^email,reason,source_message_id,created_at\r\n/);
  assert.equal(csv.trim().split('\r\n').length, 4, 'header and three rows');

  const imported = await raw('POST', '/v1/suppressions/import', csv, { 'content-type': 'text/csv' }, otherKey);
  assert.equal(imported.status, 200);
  assert.deepEqual(await imported.json(), { imported: 3, added: 3, updated: 0 });
  const back = await (await raw('GET', '/v1/suppressions/export', undefined, {}, otherKey)).text();
  assert.equal(back, csv, 'the same list, field for field');
});

test('a CSV with bad rows is refused whole, every problem named', async () => {
  const csv = 'email,reason\r\nfine@example.net,manual\r\nbroken,manual\r\nworse@example.net,loud\r\n';
  const r = await raw('POST', '/v1/suppressions/import', csv, { 'content-type': 'text/csv' });
  assert.equal(r.status, 422);
  const body = (await r.json()) as { error: { fields: Array<{ path: string; message: string }> } };
  assert.deepEqual(body.error.fields.map((f) => f.path), ['csv[3].email', 'csv[4].reason']);
  assert.equal((await tx.get('/v1/suppressions/fine%40example.net')).status, 404, 'nothing was imported');
  assert.equal((await raw('POST', '/v1/suppressions/import', '{"email":"x@y.z"}', { 'content-type': 'application/json' })).status, 415);
});
