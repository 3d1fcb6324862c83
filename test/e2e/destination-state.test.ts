// The dead-destination back-off is shared through the store: a worker meeting a destination for
// the first time adopts the back-off another worker stored, instead of finding out for itself.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startSink } from '../support/sink.js';
import { sinkRoute, startTxmail } from '../support/harness.js';

const cleanup: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

test("a destination another worker backed off is not tried before that back-off ends", async () => {
  const sink = await startSink({ tls: 'none' });
  cleanup.push(() => sink.close());
  const h = await startTxmail({ 'delivery.routes': [sinkRoute(sink.port, '*', 'none')] });
  cleanup.push(() => h.close());
  const until = Date.now() + 60_000;
  // As if another worker had found backed-off.test dead twice.
  await h.app.store.putDestination({ domain: 'backed-off.test', deadUntil: until, failures: 2, lastError: 'connection refused' });
  const res = await h.post('/v1/messages', { from: 'app@sender.test', to: ['a@backed-off.test', 'b@alive.test'], subject: 'shared', text: 'hello' });
  assert.equal(res.status, 202);
  const v = await h.waitForStates(res.body.id as string, ['deferred', 'delivered']);
  const byDomain = new Map(v.deliveries.map((d) => [d.domain, d]));
  assert.equal(byDomain.get('alive.test')!.state, 'delivered');
  const d = byDomain.get('backed-off.test')!;
  assert.equal(d.state, 'deferred');
  assert.equal(d.attempts, 0, 'suspended without an attempt');
  assert.equal(d.nextAttemptAt, until, 'waits for the stored back-off');
  assert.deepEqual(sink.messages.map((m) => m.to[0]), ['b@alive.test'], 'no connection carried the backed-off destination');
});
