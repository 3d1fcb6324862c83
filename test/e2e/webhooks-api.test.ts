// The webhook API around the dispatcher: endpoint CRUD and its refusals (scopes, bad fields,
// private addresses), timeouts and connection errors in the delivery log, and replays by cursor
// and by time range.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mintApiKey } from '../../src/ingress/auth.js';
import { freePort } from '../support/process.js';
import { startSink, type Sink } from '../support/sink.js';
import { sinkRoute, startTxmail, type Harness } from '../support/harness.js';
import { startReceiver, waitUntil, type Receiver } from '../support/webhook-receiver.js';

let sink: Sink;
let rx: Receiver;
let tx: Harness;

const events = (path: string): Array<{ id: string; at: string; type: string }> =>
  rx.postsTo(path).filter((p) => p.status === 200).flatMap((p) => (JSON.parse(p.body) as { events: Array<{ id: string; at: string; type: string }> }).events);

before(async () => {
  rx = await startReceiver((path, n) => (path === '/slow' && n <= 2 ? { status: 200, delayMs: 3000 } : 200));
  sink = await startSink({ tls: 'none' });
  tx = await startTxmail({
    'delivery.routes': [sinkRoute(sink.port, '*', 'none')],
    'webhooks.allow_private_targets': true,
    'webhooks.poll_ms': 50,
    'webhooks.timeout_s': 0.5,
    'webhooks.retry.first_delay_s': 0.1,
    'webhooks.retry.max_delay_s': 0.3,
  });
});
after(async () => {
  await tx?.close();
  await sink?.close();
  await rx?.close();
});

async function send(n: number, prefix: string): Promise<void> {
  for (let i = 0; i < n; i++) {
    const res = await tx.post('/v1/messages', { from: 's@sender.test', to: `${prefix}${i}@x.test`, subject: 's', text: 't' });
    assert.equal(res.status, 202);
    await tx.waitForStates(res.body.id as string, ['delivered']);
  }
}

test('endpoint CRUD: the secret once, patches, rotation, deletion; bad input and missing scope refused', async () => {
  const created = await tx.post('/v1/webhooks', { url: rx.url('/crud'), events: ['bounced', 'complained'], description: 'ops' });
  assert.equal(created.status, 201);
  const id = created.body.id as string;
  assert.match(id, /^wh_/);
  assert.match(created.body.secret as string, /^whsec_/);
  assert.deepEqual([created.body.format, created.body.batch_size, created.body.enabled, created.body.state], ['native', 100, true, 'active']);
  const listed = await tx.get('/v1/webhooks');
  const mine = (listed.body.webhooks as Array<Record<string, unknown>>).find((w) => w.id === id)!;
  assert.equal(mine.secret, undefined, 'the secret is never listed');
  assert.equal((await tx.get(`/v1/webhooks/${id}`)).body.secret, undefined);
  const patched = await tx.call('PATCH', `/v1/webhooks/${id}`, { events: ['delivered'], batch_size: 500, enabled: false });
  assert.equal(patched.status, 200);
  assert.deepEqual([patched.body.events, patched.body.batch_size, patched.body.state, patched.body.disabled_reason], [['delivered'], 500, 'disabled', 'disabled by API']);
  const rotated = await tx.call('PATCH', `/v1/webhooks/${id}`, { rotate_secret: true, enabled: true });
  assert.match(rotated.body.secret as string, /^whsec_/);
  assert.notEqual(rotated.body.secret, created.body.secret);
  assert.equal(rotated.body.state, 'active');
  const sg = await tx.post('/v1/webhooks', { url: rx.url('/crud-sg'), format: 'sendgrid' });
  assert.match(sg.body.public_key as string, /^MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE/);
  assert.equal(sg.body.secret, undefined, 'a SendGrid endpoint shows its public key, never the private one');

  const bad = await tx.post('/v1/webhooks', { url: 'ftp://x.test/', events: ['nope'], batch_size: 5000, format: 'xml' });
  assert.equal(bad.status, 422);
  assert.equal((bad.body.error as { code: string }).code, 'TX_ERR_VALIDATION');
  assert.deepEqual(((bad.body.error as { fields: Array<{ path: string }> }).fields.map((f) => f.path)).sort(), ['batch_size', 'events[0]', 'format', 'url']);
  assert.equal((await tx.call('PATCH', `/v1/webhooks/${id}`, { format: 'sendgrid' })).status, 422);
  assert.equal((await tx.get('/v1/webhooks/wh_nope')).status, 404);

  const { key, record } = mintApiKey(tx.tenantId, 'sender', ['send', 'read'], Date.now());
  await tx.app.store.createApiKey(record);
  const forbidden = await tx.get('/v1/webhooks', { authorization: `Bearer ${key}` });
  assert.equal(forbidden.status, 403, 'managing webhooks needs the admin scope');

  assert.equal((await tx.call('DELETE', `/v1/webhooks/${id}`)).status, 204);
  assert.equal((await tx.get(`/v1/webhooks/${id}`)).status, 404);
  assert.equal((await tx.call('DELETE', `/v1/webhooks/${id}`)).status, 404);
  await tx.call('DELETE', `/v1/webhooks/${sg.body.id as string}`);
});

test('timeouts and connection errors are retried and logged; the retried events carry the same ids', async () => {
  const slow = await tx.post('/v1/webhooks', { url: rx.url('/slow') });
  const closedPort = await freePort();
  const refused = await tx.post('/v1/webhooks', { url: `http://127.0.0.1:${closedPort}/x` });
  await send(3, 'slow');
  await waitUntil('every event at /slow', () => new Set(events('/slow').map((e) => e.id)).size === 6, 60_000);
  const posts = rx.postsTo('/slow');
  assert.ok(posts.length >= 3);
  const firstIds = (JSON.parse(posts[0]!.body) as { events: Array<{ id: string }> }).events.map((e) => e.id);
  const laterIds = new Set(events('/slow').map((e) => e.id));
  assert.ok(firstIds.every((i) => laterIds.has(i)), 'what timed out arrived again under the same ids');
  // The receiver has answered; the log line is written just after, when txmail reads the answer.
  type Entry = { status: number | null; error: string | null; ok: boolean };
  const readLog = async (): Promise<Entry[]> => ((await tx.get(`/v1/webhooks/${slow.body.id as string}/deliveries`)).body.deliveries as Entry[]).reverse();
  await waitUntil('the successful attempt in the log', async () => (await readLog()).some((e) => e.ok));
  const log = await readLog();
  assert.deepEqual(log.slice(0, 2).map((e) => [e.status, e.ok]), [[null, false], [null, false]]);
  assert.match(log[0]!.error!, /timed out after 500 ms/);
  await waitUntil('a refused connection logged', async () => ((await tx.get(`/v1/webhooks/${refused.body.id as string}/deliveries`)).body.deliveries as unknown[]).length > 0);
  const [entry] = (await tx.get(`/v1/webhooks/${refused.body.id as string}/deliveries`)).body.deliveries as Array<{ status: number | null; error: string }>;
  assert.equal(entry!.status, null);
  assert.match(entry!.error, /ECONNREFUSED/);
  const view = (await tx.get(`/v1/webhooks/${refused.body.id as string}`)).body;
  assert.equal(view.state, 'failing');
  assert.ok((view.failures as number) >= 1);
  await tx.call('DELETE', `/v1/webhooks/${refused.body.id as string}`);
  await tx.call('DELETE', `/v1/webhooks/${slow.body.id as string}`);
});

test('replay resends the events after a cursor, or those of a time range, with their ids', async () => {
  const hook = await tx.post('/v1/webhooks', { url: rx.url('/replay') });
  const id = hook.body.id as string;
  await send(5, 'replay');
  await waitUntil('live events at /replay', () => events('/replay').length === 10, 60_000);
  const live = events('/replay');
  const afterCursor = await tx.get('/v1/events?limit=1000');
  const feed = afterCursor.body.events as Array<{ id: string; at: string }>;
  const liveIds = live.map((e) => e.id);
  const startIndex = feed.findIndex((e) => e.id === liveIds[3]);
  // The cursor of an event is where /v1/events would continue after it.
  const page = await tx.get(`/v1/events?limit=${startIndex + 1}`);
  const cursor = page.body.next_cursor as string;
  const r1 = await tx.post(`/v1/webhooks/${id}/replay`, { after: cursor });
  assert.equal(r1.status, 202);
  assert.equal(r1.body.state, 'running');
  await waitUntil('the cursor replay', () => events('/replay').length === 10 + 6, 60_000);
  assert.deepEqual(events('/replay').slice(10).map((e) => e.id), liveIds.slice(4), 'the same ids, in the same order');
  await waitUntil('the replay to be done', async () => ((await tx.get(`/v1/webhooks/${id}/replays`)).body.replays as Array<{ state: string }>)[0]!.state === 'done');
  const done = ((await tx.get(`/v1/webhooks/${id}/replays`)).body.replays as Array<{ state: string; sent: number }>)[0]!;
  assert.equal(done.sent, 6);

  // By time: from the 3rd to the 6th event's time (inclusive) of what this endpoint got live.
  const from = live[2]!.at;
  const to = live[5]!.at;
  const expected = feed.filter((e) => e.at >= from && e.at <= to).map((e) => e.id);
  const r2 = await tx.post(`/v1/webhooks/${id}/replay`, { from, to });
  assert.equal(r2.status, 202);
  await waitUntil('the time replay', () => events('/replay').length === 16 + expected.length, 60_000, () => `${events('/replay').length}`);
  assert.deepEqual(events('/replay').slice(16).map((e) => e.id), expected);
  assert.equal((await tx.post(`/v1/webhooks/${id}/replay`, {})).status, 422);
  assert.equal((await tx.post(`/v1/webhooks/${id}/replay`, { from: to, to: from })).status, 422);
  assert.equal((await tx.post('/v1/webhooks/wh_nope/replay', { after: cursor })).status, 404);
});

test('URLs on loopback, private or link-local addresses are refused unless the operator allows them', async () => {
  const strict = await startTxmail({ 'webhooks.allow_private_targets': false });
  try {
    for (const url of ['http://127.0.0.1:8080/x', 'http://localhost/x', 'http://[::1]/x', 'http://169.254.169.254/latest/meta-data', 'https://10.1.2.3/x', 'http://[::ffff:192.168.0.1]/']) {
      const res = await strict.post('/v1/webhooks', { url });
      assert.equal(res.status, 422, url);
      const err = res.body.error as { code: string; fields: Array<{ path: string; message: string }> };
      assert.equal(err.code, 'TX_ERR_WEBHOOK_TARGET_REFUSED', url);
      assert.equal(err.fields[0]!.path, 'url');
    }
    assert.match(((await strict.post('/v1/webhooks', { url: 'http://localhost/x' })).body.error as { message: string }).message, /loopback/);
    // Disabled: this test never sends anything off the machine.
    const ok = await strict.post('/v1/webhooks', { url: 'https://93.184.215.14/hook', enabled: false });
    assert.equal(ok.status, 201, 'a public address is fine');
    const patch = await strict.call('PATCH', `/v1/webhooks/${ok.body.id as string}`, { url: 'http://127.0.0.1/x' });
    assert.equal(patch.status, 422, 'also when the URL changes');
    await strict.call('DELETE', `/v1/webhooks/${ok.body.id as string}`);
  } finally {
    await strict.close();
  }
});
