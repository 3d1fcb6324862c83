// A live but slow worker never loses a lease it keeps renewing: two txmail processes on one
// PostgreSQL, leases and heartbeats shortened to 3 s, and a sink so slow that one SMTP session
// lasts about four lease times. The worker in that session keeps beating and renewing, so the
// other one, checking for dead workers every 750 ms, takes nothing over: the message is sent
// once, in one attempt, and never flagged possible_duplicate.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startTxmail, sinkRoute, type Harness } from '../support/harness.js';
import { postgresOrSkip, testSchema } from '../support/pg.js';
import { startSink } from '../support/sink.js';

const cleanup: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
});

const skip = await postgresOrSkip('slow worker leases on PostgreSQL');
if (skip === undefined) {
  test('a worker in a session longer than its lease and dead_after keeps its lease: one attempt, no duplicate', { timeout: 120_000 }, async () => {
    const schema = await testSchema();
    cleanup.push(() => schema.drop());
    // Every reply (greeting, MAIL, RCPT, end of data) takes 3 s: a session of about 12 s.
    const sink = await startSink({ tls: 'none', replyDelayMs: 3000 });
    cleanup.push(() => sink.close());
    const config = {
      database_url: schema.url,
      'worker.lease_s': 3,
      'worker.slot_lease_s': 3,
      'worker.dead_after_s': 3,
      'delivery.routes': [sinkRoute(sink.port, '*', 'none')],
      // Patient with the slow sink: the session must succeed, only slowly.
      'delivery.timeouts.connect_s': 10,
      'delivery.timeouts.greeting_s': 10,
      'delivery.timeouts.command_s': 10,
      'delivery.timeouts.data_end_s': 10,
    };
    const a: Harness = await startTxmail(config);
    cleanup.push(() => a.close());
    const b: Harness = await startTxmail(config);
    cleanup.push(() => b.close());
    const t0 = Date.now();
    const res = await a.post('/v1/messages', { from: 'app@sender.test', to: 'slow@slow.test', subject: 'slow', text: 'take your time' });
    assert.equal(res.status, 202);
    const id = res.body.id as string;
    const m = await a.waitForStates(id, ['delivered'], 60_000);
    const took = Date.now() - t0;
    // Give a thief time to show itself: a second session would reach the sink within ~12 s.
    await new Promise((r) => setTimeout(r, 4000));
    const d = m.deliveries[0]!;
    console.log(`# slow worker: one session of ${(took / 1000).toFixed(1)} s (lease 3 s, dead_after 3 s); sink got ${sink.messages.length}; attempts ${d.attempts}`);
    assert.ok(took > 9000, `the session outlived the lease several times (${took} ms)`);
    assert.equal(sink.messages.length, 1, 'sent once: no other worker took the lease over');
    assert.equal(d.attempts, 1);
    assert.equal(d.possibleDuplicate, false);
    const [w] = await schema.query<{ n: number }>('SELECT count(*)::int AS n FROM workers');
    assert.equal(w!.n, 2, 'both workers alive, neither taken for dead');
  });
}
