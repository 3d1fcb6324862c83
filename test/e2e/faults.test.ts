// A bug in one delivery session must not take the worker down or lose the delivery: the
// session's deliveries keep their leases, which lapse, and they are tried again.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SmtpSession } from '../../src/delivery/smtp-session.js';
import { startSink, type Sink } from '../support/sink.js';
import { sinkRoute, startTxmail, type Harness } from '../support/harness.js';

let sink: Sink;
let tx: Harness;
let sessions = 0;

before(async () => {
  sink = await startSink({ tls: 'none' });
  const timeouts = { connectMs: 2000, greetingMs: 2000, commandMs: 2000, dataBlockMs: 2000, dataEndMs: 2000 };
  tx = await startTxmail(
    { 'delivery.routes': [sinkRoute(sink.port)], 'worker.lease_s': 1 },
    {
      connector: {
        open: async (t) => {
          const r = await SmtpSession.open(t, { hostname: 'txmail.test', timeouts });
          // The first session hits a bug in the middle of a transaction; later ones work.
          if (r.ok && sessions++ === 0) r.session.send = () => Promise.reject(new Error('bug in a session'));
          return r;
        },
      },
    },
  );
});
after(async () => {
  await tx.close();
  await sink.close();
});

test('a session that throws abandons its deliveries to their leases, and they are delivered later', async () => {
  const res = await tx.post('/v1/messages', { from: 'app@sender.test', to: 'a@fault.test', subject: 'Fault', text: 'hello' });
  assert.equal(res.status, 202);
  const v = await tx.waitForStates(res.body.id as string, ['delivered'], 15_000);
  assert.ok(sessions >= 2);
  assert.equal(v.deliveries[0]!.possibleDuplicate, true, 'a lapsed lease makes the next delivery a possible duplicate');
  assert.equal(sink.messages.filter((m) => m.to.includes('a@fault.test')).length, 1);
});
