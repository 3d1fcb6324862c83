// What each kind of remote answer does to a delivery: scripted sink replies, real sockets.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startSink, type Sink } from '../support/sink.js';
import { sinkRoute, startTxmail, type Harness } from '../support/harness.js';

let sink: Sink;
let tx: Harness;

before(async () => {
  sink = await startSink({ tls: 'none' });
  tx = await startTxmail({ 'delivery.routes': [sinkRoute(sink.port)], 'delivery.timeouts.command_s': 1, 'delivery.timeouts.data_end_s': 1 });
});
after(async () => {
  await tx.close();
  await sink.close();
});

async function send(to: string | string[], extra: Record<string, unknown> = {}): Promise<string> {
  const res = await tx.post('/v1/messages', { from: 'app@sender.test', to, subject: 'Outcome test', text: 'hello', ...extra });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return res.body.id as string;
}

const types = (v: { events: ReadonlyArray<{ type: string }> }): string[] => v.events.map((e) => e.type);

test('a 4xx defers, the retry delivers', async () => {
  const id = await send('fail-1-then-accept-a@defer.test');
  const v = await tx.waitForStates(id, ['delivered']);
  assert.deepEqual(types(v), ['queued', 'deferred', 'delivered']);
  const d = v.deliveries[0]!;
  assert.equal(d.attempts, 2);
  const deferred = v.events[1]!;
  assert.equal(deferred.type === 'deferred' && deferred.data.reply.startsWith('451'), true);
});

test('550 5.1.1 at RCPT bounces hard with reason user_unknown', async () => {
  const id = await send('rcpt-550-nobody@bounce.test');
  const v = await tx.waitForStates(id, ['bounced']);
  const d = v.deliveries[0]!;
  assert.equal(d.bounceClass, 'hard');
  assert.equal(d.reason, 'user_unknown');
  assert.match(d.lastReply ?? '', /^550 5\.1\.1/);
  assert.deepEqual(types(v), ['queued', 'bounced']);
});

test('a 5xx after DATA for one message bounces every recipient of that transaction', async () => {
  const id = await send(['data-554-x@content.test', 'y@content.test']);
  const v = await tx.waitForStates(id, ['bounced']);
  assert.ok(v.deliveries.every((d) => d.bounceClass === 'soft' && /^554/.test(d.lastReply ?? '')));
});

test('mixed RCPT replies in one transaction are judged per recipient', async () => {
  const id = await send(['ok@mixed.test', 'rcpt-550-gone@mixed.test', 'fail-1-then-accept-later@mixed.test']);
  const v = await tx.waitForStates(id, ['delivered', 'bounced']);
  const by = Object.fromEntries(v.deliveries.map((d) => [d.recipient, d.state]));
  assert.deepEqual(by, { 'ok@mixed.test': 'delivered', 'rcpt-550-gone@mixed.test': 'bounced', 'fail-1-then-accept-later@mixed.test': 'delivered' });
});

test('a reply that never comes is a timeout: deferred, not bounced', async () => {
  const id = await send('stall-rcpt@slow.test');
  const deadline = Date.now() + 10_000;
  for (;;) {
    const v = await tx.app.store.getMessage(tx.tenantId, id);
    const d = v!.deliveries[0]!;
    if (d.state === 'deferred') {
      assert.equal(d.reason, 'timeout');
      break;
    }
    assert.ok(Date.now() < deadline, `still ${d.state}`);
    await new Promise((r) => setTimeout(r, 50));
  }
});

test('a connection lost after the final dot is retried and the delivery flagged possible_duplicate', async () => {
  // The sink drops the first attempt after receiving the whole message; later ones are accepted.
  let dropped = 0;
  sink.configure({
    script: (phase, address) => (phase === 'data' && address === 'once-drop@dup.test' && dropped++ === 0 ? 'drop' : undefined),
  });
  try {
    const id = await send('once-drop@dup.test');
    const v = await tx.waitForStates(id, ['delivered']);
    const d = v.deliveries[0]!;
    assert.equal(d.possibleDuplicate, true);
    const delivered = v.events.find((e) => e.type === 'delivered');
    assert.equal(delivered?.type === 'delivered' && delivered.data.possible_duplicate, true);
    assert.equal(sink.messages.filter((m) => m.to.includes('once-drop@dup.test')).length, 2, 'the remote saw it twice');
  } finally {
    sink.configure({ script: undefined });
  }
});

test('a connection dropped before DATA defers without a duplicate flag', async () => {
  const id = await send('drop-rcpt@early.test');
  const v = await tx.waitForStates(id, ['deferred']);
  const d = v.deliveries[0]!;
  assert.equal(d.reason, 'connection_failed');
  assert.equal(d.possibleDuplicate, false, 'no data was sent, so the remote cannot have accepted it');
});

test('a connection dropped during DATA, once the whole message was written, counts as a possible duplicate', async () => {
  // The client cannot tell whether the remote read the final dot before it went away (RFC 1047).
  const id = await send('drop-data@mid.test');
  const v = await tx.waitForStates(id, ['deferred']);
  assert.equal(v.deliveries[0]!.reason, 'connection_failed');
  assert.equal(v.deliveries[0]!.possibleDuplicate, true);
});

test('421 at RCPT defers and the connection is not reused', async () => {
  const id = await send('rcpt-421-closing@busy421.test');
  const v = await tx.waitForStates(id, ['deferred']);
  assert.match(v.deliveries[0]!.lastReply ?? '', /^421/);
});

test('a route that requires TLS defers when the server does not offer STARTTLS', async () => {
  const plain = await startSink({ tls: 'none' });
  const h = await startTxmail({ 'delivery.routes': [sinkRoute(plain.port, '*', 'required')] });
  try {
    const res = await h.post('/v1/messages', { from: 'app@sender.test', to: 'a@tlsonly.test', subject: 'TLS', text: 'hello' });
    const v = await h.waitForStates(res.body.id as string, ['deferred']);
    assert.equal(v.deliveries[0]!.reason, 'tls_required');
    assert.equal(plain.messages.length, 0, 'nothing was sent in clear');
  } finally {
    await h.close();
    await plain.close();
  }
});
