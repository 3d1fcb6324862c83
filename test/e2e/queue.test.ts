// Queue behaviour over time: expiry, dead and slow destinations, connection limits, restart.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, test } from 'node:test';
import { startSink, type Sink } from '../support/sink.js';
import { sinkRoute, startTxmail, type Harness } from '../support/harness.js';

const cleanup: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function sinkFor(opts: Parameters<typeof startSink>[0] = {}): Promise<Sink> {
  const s = await startSink({ tls: 'none', ...opts });
  cleanup.push(() => s.close());
  return s;
}

async function txmail(overrides: Record<string, unknown>, dir?: string): Promise<Harness> {
  const h = await startTxmail(overrides, dir ? { dir } : {});
  cleanup.push(() => h.close());
  return h;
}

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function send(h: Harness, to: string | string[]): Promise<string> {
  const res = await h.post('/v1/messages', { from: 'app@sender.test', to, subject: 'Queue', text: 'hello' });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return res.body.id as string;
}

test('a delivery that keeps being deferred expires with reason expired', async () => {
  const sink = await sinkFor();
  const h = await txmail({ 'delivery.routes': [sinkRoute(sink.port)], 'delivery.retry.max_lifetime_s': 2 });
  const v = await h.waitForStates(await send(h, 'rcpt-450-busy@expire.test'), ['bounced'], 15_000);
  const d = v.deliveries[0]!;
  assert.deepEqual([d.bounceClass, d.reason], ['soft', 'expired']);
  assert.ok(d.attempts >= 2, `retried before expiring (${d.attempts} attempts)`);
  assert.deepEqual(v.events.map((e) => e.type).filter((t) => t !== 'deferred'), ['queued', 'bounced']);
});

test('a dead destination is backed off as a whole while others are delivered', async () => {
  const sink = await sinkFor();
  const dead = await closedPort();
  const h = await txmail({
    'delivery.routes': [{ match: 'dead.test', host: '127.0.0.1', port: dead, tls: 'none' }, sinkRoute(sink.port)],
    'delivery.dead_destination_backoff_s': 30,
    'delivery.retry.max_delay_s': 60,
  });
  const deadIds = await Promise.all([1, 2, 3].map((i) => send(h, `u${i}@dead.test`)));
  const liveId = await send(h, 'u@alive.test');
  await h.waitForStates(liveId, ['delivered'], 5000);
  for (const id of deadIds) {
    const v = await h.waitForStates(id, ['deferred'], 5000);
    assert.equal(v.deliveries[0]!.reason, 'connection_failed');
    assert.ok(v.deliveries[0]!.nextAttemptAt! >= Date.now() + 20_000, 'retry waits for the destination back-off');
  }
  const state = await h.app.store.getDestination('dead.test');
  assert.ok(state && state.deadUntil > Date.now() && state.failures >= 1, JSON.stringify(state));
  assert.match(state.lastError ?? '', /ECONNREFUSED|refused/i);
});

test('a destination that stalls does not delay the others', async () => {
  const stalling = await sinkFor();
  stalling.configure({ script: (phase) => (phase === 'rcpt' ? 'stall' : undefined) });
  const fast = await sinkFor();
  const h = await txmail({
    'delivery.routes': [{ match: 'stall.test', host: '127.0.0.1', port: stalling.port, tls: 'none' }, sinkRoute(fast.port)],
    'delivery.timeouts.command_s': 60,
    'delivery.max_connections_per_destination': 3,
  });
  for (let i = 0; i < 20; i++) await send(h, `s${i}@stall.test`);
  const started = Date.now();
  const ids = await Promise.all(Array.from({ length: 10 }, (_, i) => send(h, `f${i}@fast.test`)));
  for (const id of ids) await h.waitForStates(id, ['delivered'], 5000);
  assert.ok(Date.now() - started < 5000);
  assert.ok(stalling.connections.maxConcurrent <= 3, `stalled destination used ${stalling.connections.maxConcurrent} connections`);
});

test('concurrent connections to one destination stay within its limit', async () => {
  const sink = await sinkFor({ replyDelayMs: 30 });
  const h = await txmail({
    'delivery.routes': [sinkRoute(sink.port)],
    'delivery.destinations': [{ match: 'busy.test', max_connections: 2 }],
  });
  const ids = await Promise.all(Array.from({ length: 30 }, (_, i) => send(h, `r${i}@busy.test`)));
  for (const id of ids) await h.waitForStates(id, ['delivered'], 15_000);
  assert.equal(sink.connections.maxConcurrent, 2, 'used the limit, never more');
  assert.equal(sink.messages.length, 30);
});

test('a restart resumes the deferred queue', async () => {
  const sink = await sinkFor();
  sink.configure({ script: (phase) => (phase === 'data' ? { code: 451, enhanced: '4.3.0', text: 'Try later' } : undefined) });
  const first = await startTxmail({ 'delivery.routes': [sinkRoute(sink.port)] });
  const id = await send(first, 'later@resume.test');
  await first.waitForStates(id, ['deferred']);
  await first.close({ keepData: true });
  sink.configure({ script: undefined });
  const second = await txmail({ 'delivery.routes': [sinkRoute(sink.port)] }, first.dir);
  const v = await second.waitForStates(id, ['delivered'], 10_000);
  assert.equal(v.deliveries[0]!.attempts, 2);
});
