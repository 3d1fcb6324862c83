// Webhooks end to end on loopback: one txmail, several endpoints that behave differently (a
// healthy one, a SendGrid-format one, one that stalls, one that fails then recovers, one that
// always fails, one that redirects, one that wants delivered events only), and a receiver that
// checks what arrives. Every event must reach every healthy endpoint, signed, in feed order.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { startSink, type Sink } from '../support/sink.js';
import { sinkRoute, startTxmail, type Harness } from '../support/harness.js';
import { startReceiver, verifyNative, waitUntil, type Receiver } from '../support/webhook-receiver.js';

const require = createRequire(import.meta.url);
const { EventWebhook } = require('@sendgrid/eventwebhook') as typeof import('@sendgrid/eventwebhook');

const MESSAGES = 20;
let sink: Sink;
let tx: Harness;
let rx: Receiver;
const hooks: Record<string, { id: string; secret?: string; public_key?: string }> = {};
let feed: Array<{ id: string; type: string; message_id: string; at: string }> = [];

interface NativeEvent {
  id: string;
  type: string;
  message_id: string;
  recipient: string;
  tags: string[];
  metadata: Record<string, string>;
  data: Record<string, unknown>;
}

const nativeEvents = (path: string): NativeEvent[] => rx.postsTo(path).filter((p) => p.status === 200).flatMap((p) => (JSON.parse(p.body) as { events: NativeEvent[] }).events);
const ids = (events: Array<{ id: string }>): Set<string> => new Set(events.map((e) => e.id));

async function allEvents(h: Harness): Promise<Array<{ id: string; type: string; message_id: string; at: string }>> {
  const out = [];
  let cursor = '';
  for (;;) {
    const page = await h.get(`/v1/events?limit=1000${cursor ? `&after=${cursor}` : ''}`);
    const events = page.body.events as Array<{ id: string; type: string; message_id: string; at: string }>;
    out.push(...events);
    cursor = page.body.next_cursor as string;
    if (events.length < 1000) return out;
  }
}

async function createHook(name: string, body: Record<string, unknown>): Promise<void> {
  const res = await tx.post('/v1/webhooks', { url: rx.url(`/${name}`), ...body });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  hooks[name] = res.body as { id: string; secret?: string; public_key?: string };
}

before(async () => {
  rx = await startReceiver((path, n) => {
    switch (path) {
      case '/hold':
        return 'hold';
      case '/flaky':
        return n <= 3 ? 500 : 200;
      case '/fail':
        return 500;
      case '/redirect':
        return { status: 302, headers: { location: '/ok' } };
      default:
        return 200;
    }
  });
  sink = await startSink({ tls: 'none' });
  tx = await startTxmail({
    'delivery.routes': [sinkRoute(sink.port, '*', 'none')],
    'webhooks.allow_private_targets': true,
    'webhooks.poll_ms': 50,
    'webhooks.timeout_s': 60,
    'webhooks.retry.first_delay_s': 0.2,
    'webhooks.retry.max_delay_s': 0.5,
    'webhooks.retry.max_age_s': 4,
  });
  await createHook('ok', { batch_size: 7 });
  await createHook('sg', { format: 'sendgrid', batch_size: 25 });
  await createHook('hold', {});
  await createHook('flaky', {});
  await createHook('fail', {});
  await createHook('redirect', {});
  await createHook('delivered-only', { events: ['delivered'] });

  for (let i = 0; i < MESSAGES; i++) {
    const res = await tx.post('/v1/messages', {
      from: 'shop@sender.test',
      to: [`a${i}@one.test`, `b${i}@two.test`],
      subject: `order ${i}`,
      text: 'thanks',
      tags: ['receipt', `batch${i % 3}`],
      metadata: { order: String(i) },
    });
    assert.equal(res.status, 202);
    await tx.waitForStates(res.body.id as string, ['delivered'], 60_000);
  }
  feed = await allEvents(tx);
  assert.equal(feed.length, MESSAGES * 4, 'a queued and a delivered event per recipient');
});

after(async () => {
  rx.release('/hold');
  await tx?.close();
  await sink?.close();
  await rx?.close();
});

test('a healthy endpoint gets every event once, signed, in feed order, in batches of its size', async () => {
  await waitUntil('every event at /ok', () => ids(nativeEvents('/ok')).size === feed.length, 60_000, () => `${ids(nativeEvents('/ok')).size} of ${feed.length}`);
  const posts = rx.postsTo('/ok');
  for (const p of posts) {
    assert.ok(verifyNative(hooks['ok']!.secret!, p.headers['txmail-signature'] as string, p.body), 'the signature verifies with the README snippet');
    assert.equal(verifyNative('whsec_wrong', p.headers['txmail-signature'] as string, p.body), false);
    assert.equal(p.headers['txmail-webhook-id'], hooks['ok']!.id);
    assert.equal(p.headers['content-type'], 'application/json');
  }
  const got = nativeEvents('/ok');
  assert.equal(got.length, feed.length, 'no duplicates when nothing failed');
  assert.ok(posts.every((p) => (JSON.parse(p.body) as { events: unknown[] }).events.length <= 7), 'batches respect batch_size');
  const position = new Map(feed.map((e, i) => [e.id, i]));
  for (const p of posts) {
    const batch = (JSON.parse(p.body) as { events: NativeEvent[] }).events.map((e) => position.get(e.id)!);
    assert.deepEqual(batch, [...batch].sort((a, b) => a - b), 'a batch is in feed order');
  }
  // Per message, events arrive in the order they happened: queued before delivered.
  const byRecipient = new Map<string, string[]>();
  for (const e of got) byRecipient.set(e.recipient, [...(byRecipient.get(e.recipient) ?? []), e.type]);
  for (const [r, types] of byRecipient) assert.deepEqual(types, ['queued', 'delivered'], r);
  const delivered = got.find((e) => e.type === 'delivered')!;
  assert.ok(delivered.tags.includes('receipt'));
  assert.match(delivered.metadata['order']!, /^\d+$/);
  assert.match(String(delivered.data['reply']), /^250/);
});

test('a stalled endpoint does not hold the others back, and catches up when it answers', async () => {
  await waitUntil('the stalled POST', () => rx.held('/hold') === 1, 60_000);
  await waitUntil('every event at /ok', () => ids(nativeEvents('/ok')).size === feed.length, 60_000);
  await waitUntil('every event at /delivered-only', () => ids(nativeEvents('/delivered-only')).size === MESSAGES * 2, 60_000);
  // Everything above was delivered while /hold has had its first POST unanswered all along.
  assert.equal(rx.held('/hold'), 1, 'one POST in flight at the stalled endpoint');
  assert.equal(rx.postsTo('/hold').length, 1, 'and no second one behind it');
  rx.release('/hold');
  await waitUntil('every event at /hold', () => ids(nativeEvents('/hold')).size === feed.length, 60_000);
});

test('an endpoint that answers 500 then 200 gets every event; the delivery log shows each attempt', async () => {
  await waitUntil('every event at /flaky', () => ids(nativeEvents('/flaky')).size === feed.length, 60_000);
  const statuses = rx.postsTo('/flaky').map((p) => p.status);
  assert.deepEqual(statuses.slice(0, 4), [500, 500, 500, 200]);
  // A failed batch is read again from the same position: each retry starts with the same events
  // (the same ids), plus any that arrived meanwhile, up to the batch size.
  const batches = rx.postsTo('/flaky').slice(0, 4).map((p) => (JSON.parse(p.body) as { events: NativeEvent[] }).events.map((e) => e.id));
  for (let i = 1; i < batches.length; i++) assert.deepEqual(batches[i]!.slice(0, batches[i - 1]!.length), batches[i - 1]);
  type Entry = { status: number; ok: boolean; latency_ms: number; error: string | null; events: number };
  const readLog = async (): Promise<Entry[]> => ((await tx.get(`/v1/webhooks/${hooks['flaky']!.id}/deliveries?limit=1000`)).body.deliveries as Entry[]).reverse();
  // The receiver has answered; txmail writes the log line when it has read the answer.
  await waitUntil('the log to show every attempt', async () => (await readLog()).length === rx.postsTo('/flaky').length);
  const entries = await readLog();
  assert.deepEqual(entries.slice(0, 4).map((e) => [e.status, e.ok]), [[500, false], [500, false], [500, false], [200, true]]);
  assert.match(entries[0]!.error!, /^HTTP 500/);
  assert.ok(entries.every((e) => Number.isInteger(e.latency_ms) && e.latency_ms >= 0 && e.events > 0));
  const view = await tx.get(`/v1/webhooks/${hooks['flaky']!.id}`);
  assert.deepEqual([view.body.state, view.body.failures, view.body.last_status], ['active', 0, 200]);
});

test('an endpoint that keeps failing is disabled with the reason, and the others are not delayed by it', async () => {
  await waitUntil(
    '/fail to be disabled',
    async () => (await tx.get(`/v1/webhooks/${hooks['fail']!.id}`)).body.enabled === false,
    60_000,
  );
  const view = (await tx.get(`/v1/webhooks/${hooks['fail']!.id}`)).body;
  assert.equal(view.state, 'disabled');
  assert.match(view.disabled_reason as string, /^disabled after \d+ failed attempts since .* last error: HTTP 500/);
  const n = rx.postsTo('/fail').length;
  assert.ok(n >= 3, `retried before giving up (${n} attempts)`);
  assert.ok(rx.postsTo('/fail').every((p) => p.status === 500));
  const log = (await tx.get(`/v1/webhooks/${hooks['fail']!.id}/deliveries`)).body.deliveries as Array<{ ok: boolean; status: number }>;
  assert.equal(log.length, n);
  assert.ok(log.every((e) => !e.ok && e.status === 500));
  // Disabled means no more attempts.
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(rx.postsTo('/fail').length, n);
  // The healthy endpoint finished long before this one gave up.
  const okDone = Math.max(...rx.postsTo('/ok').map((p) => p.at));
  assert.ok(okDone < rx.postsTo('/fail')[n - 1]!.at);
});

test('redirects are not followed', async () => {
  await waitUntil('a redirect attempt logged', async () => ((await tx.get(`/v1/webhooks/${hooks['redirect']!.id}/deliveries`)).body.deliveries as unknown[]).length > 0);
  const [entry] = (await tx.get(`/v1/webhooks/${hooks['redirect']!.id}/deliveries`)).body.deliveries as Array<{ status: number; ok: boolean; error: string }>;
  assert.deepEqual([entry!.status, entry!.ok], [302, false]);
  assert.match(entry!.error, /redirect to \/ok not followed/);
  assert.ok(rx.postsTo('/ok').every((p) => p.headers['txmail-webhook-id'] === hooks['ok']!.id), 'nothing of the redirecting endpoint reached /ok');
});

test('an endpoint that wants only some types gets exactly those', async () => {
  await waitUntil('every delivered event', () => ids(nativeEvents('/delivered-only')).size === MESSAGES * 2, 60_000);
  const wanted = new Set(feed.filter((e) => e.type === 'delivered').map((e) => e.id));
  assert.deepEqual(ids(nativeEvents('/delivered-only')), wanted);
});

test('a SendGrid-format endpoint gets SendGrid’s event JSON, verified by @sendgrid/eventwebhook', async () => {
  const sgEvents = (): Array<Record<string, unknown>> => rx.postsTo('/sg').filter((p) => p.status === 200).flatMap((p) => JSON.parse(p.body) as Array<Record<string, unknown>>);
  await waitUntil('every event at /sg', () => new Set(sgEvents().map((e) => e['sg_event_id'])).size === feed.length, 60_000);
  const ew = new EventWebhook();
  const key = ew.convertPublicKeyToECDSA(hooks['sg']!.public_key!);
  for (const p of rx.postsTo('/sg')) {
    const signature = p.headers['x-twilio-email-event-webhook-signature'] as string;
    const timestamp = p.headers['x-twilio-email-event-webhook-timestamp'] as string;
    assert.ok(ew.verifySignature(key, p.body, signature, timestamp), 'SendGrid’s own code accepts the signature');
    assert.equal(ew.verifySignature(key, p.body.replace('"email"', '"Email"'), signature, timestamp), false);
  }
  const events = sgEvents();
  assert.deepEqual(new Set(events.map((e) => e['event'])), new Set(['processed', 'delivered']));
  const d = events.find((e) => e['event'] === 'delivered')!;
  assert.match(String(d['email']), /@(one|two)\.test$/);
  assert.equal(typeof d['timestamp'], 'number');
  assert.match(String(d['smtp-id']), /^<msg_.*@txmail\.test>$/);
  assert.ok((d['category'] as string[]).includes('receipt'));
  assert.match(String(d['order']), /^\d+$/, 'metadata arrives as custom args');
  assert.match(String(d['response']), /^250/);
});
