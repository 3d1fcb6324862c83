// A preparer that cannot finish a message (store unreachable, a key that does not unseal) must
// defer the delivery, never send it half-prepared and never take the worker down.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { OutboundPreparer } from '../../src/queue/ports.js';
import { sinkRoute, startTxmail, type Harness } from '../support/harness.js';
import { startSink, type Sink } from '../support/sink.js';

let sink: Sink;
let tx: Harness;
let failures = 0;

const flaky: OutboundPreparer = {
  splitsRecipients: async (msg) => {
    if (msg.metadata['fail'] === 'split') throw new Error('tenant lookup failed');
    return false;
  },
  prepare: async (msg, _d, raw) => {
    if (msg.metadata['fail'] === 'prepare' && failures++ < 1) throw new Error('key does not unseal');
    return { from: msg.envelopeFrom, raw };
  },
};

before(async () => {
  sink = await startSink({ tls: 'none' });
  tx = await startTxmail({ 'delivery.routes': [sinkRoute(sink.port, '*', 'none')] }, { preparer: flaky });
});
after(async () => {
  await tx.close();
  await sink.close();
});

test('a failing preparer defers the delivery with the reason; the next attempt goes out', async () => {
  const res = await tx.post('/v1/messages', { from: 'a@sender.test', to: 'x@dest.test', subject: 's', text: 't', metadata: { fail: 'prepare' } });
  const d = (await tx.waitForStates(res.body.id as string, ['deferred'])).deliveries[0]!;
  assert.match(d.lastReply ?? '', /preparing the message failed: key does not unseal/);
  assert.equal(sink.messages.filter((m) => m.to.includes('x@dest.test')).length, 0, 'nothing half-prepared was sent');
  await tx.waitForStates(res.body.id as string, ['delivered']);
});

test('a failing recipient split is handled the same way', async () => {
  const res = await tx.post('/v1/messages', { from: 'a@sender.test', to: 'y@dest.test', subject: 's', text: 't', metadata: { fail: 'split' } });
  const d = (await tx.waitForStates(res.body.id as string, ['deferred'])).deliveries[0]!;
  assert.match(d.lastReply ?? '', /tenant lookup failed/);
});
