// Queue control end to end, with a real sink: a held destination receives nothing until released;
// retry-now of a deferred delivery; an administrative bounce writes the normal bounced event.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startSink, type Sink } from '../support/sink.js';
import { sinkRoute, startTxmail, type Harness } from '../support/harness.js';

const cleanup: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function setup(overrides: Record<string, unknown> = {}): Promise<{ h: Harness; sink: Sink }> {
  const sink = await startSink({ tls: 'none' });
  cleanup.push(() => sink.close());
  const h = await startTxmail({ 'delivery.routes': [sinkRoute(sink.port)], ...overrides });
  cleanup.push(() => h.close());
  return { h, sink };
}

async function send(h: Harness, to: string): Promise<string> {
  const res = await h.post('/v1/messages', { from: 'app@sender.test', to, subject: 'Queue control', text: 'hello', tags: ['qc'] });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return res.body.id as string;
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('a held destination gets nothing until released, then everything', async () => {
  const { h, sink } = await setup();
  const hold = await h.post('/v1/queue/hold', { destination: 'held.test', reason: 'blocklisted us' });
  assert.equal(hold.status, 200, JSON.stringify(hold.body));
  const id = await send(h, 'a@held.test');
  const other = await send(h, 'b@open.test');
  await h.waitForStates(other, ['delivered']);
  const held = await until('held in the list', async () => {
    const r = await h.get('/v1/queue/deliveries?state=held&destination=held.test');
    return (r.body.deliveries as unknown[]).length === 1 ? r.body : undefined;
  });
  assert.equal((held.deliveries as Array<Record<string, unknown>>)[0]!.message_id, id);
  const summary = await h.get('/v1/queue/summary');
  const dest = (summary.body.destinations as Array<Record<string, unknown>>).find((d) => d.destination === 'held.test');
  assert.equal((dest?.counts as Record<string, number>).held, 1);
  assert.equal((dest?.holds as unknown[]).length, 1);
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(sink.messages.map((m) => m.to).flat(), ['b@open.test'], 'the held destination received nothing');
  const rel = await h.post('/v1/queue/release', { destination: 'held.test' });
  assert.deepEqual([rel.status, rel.body.touched, rel.body.released_holds], [200, 1, 1]);
  await h.waitForStates(id, ['delivered']);
  const show = await h.get(`/v1/queue/messages/${id}`);
  const types = (show.body.events as Array<{ type: string }>).map((e) => e.type);
  // It arrived after the hold: the claim parked it (no event of its own); the release is recorded.
  assert.deepEqual(types, ['queued', 'released', 'delivered']);
  assert.equal((show.body.attempts as Array<{ mx: string }>)[0]!.mx, '127.0.0.1');
  const audit = await h.get('/v1/audit');
  assert.deepEqual((audit.body.entries as Array<{ action: string }>).map((e) => e.action), ['release', 'hold']);
});

test('retry now sends a deferred delivery at once; bounce ends one with a bounced event', async () => {
  const { h } = await setup({ 'delivery.retry.first_delay_s': 3600, 'delivery.retry.max_delay_s': 7200 });
  const deferred = await send(h, 'rcpt-450-busy@later.test');
  await h.waitForStates(deferred, ['deferred']);
  const r = await h.post('/v1/queue/retry', { message_id: deferred });
  assert.deepEqual([r.status, r.body.touched], [200, 1], JSON.stringify(r.body));
  await until('a second attempt', async () => ((await h.app.store.getMessage(h.tenantId, deferred))!.deliveries[0]!.attempts >= 2 ? true : undefined));
  const b = await h.post('/v1/queue/bounce', { filter: { tag: 'qc', state: 'deferred' }, reason: 'bad campaign' });
  assert.deepEqual([b.status, b.body.touched], [200, 1], JSON.stringify(b.body));
  const v = await h.waitForStates(deferred, ['bounced']);
  const ev = v.events.find((e) => e.type === 'bounced');
  assert.equal(ev?.type === 'bounced' && ev.data.source, 'admin');
  const again = await h.post('/v1/queue/bounce', { filter: { tag: 'qc', state: 'deferred' }, reason: 'bad campaign' });
  assert.deepEqual([again.body.matched, again.body.touched], [0, 0], 'safe to repeat');
  const feed = await h.get('/v1/events');
  assert.ok((feed.body.events as Array<{ type: string }>).some((e) => e.type === 'bounced'), 'the bounced event is in the feed webhooks read');
  const bad = await h.post('/v1/queue/bounce', { filter: {} });
  assert.equal(bad.status, 422);
  assert.deepEqual((bad.body.error as { fields: Array<{ path: string }> }).fields.map((f) => f.path).sort(), ['filter', 'reason']);
});
