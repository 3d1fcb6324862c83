// Addresses in one canonical spelling, and only addresses that can be sent (issue 15, items 8, 12):
// - `"x> NOTIFY=… <y"@…` is refused at the door; one that got in anyway (accepted before the
//   rule) is bounced hard on its first attempt, not retried for days as a connection failure;
// - a suppressed address cannot be reached by spelling it differently (quotes, case, U-labels),
//   whichever spelling was suppressed, through the API or a CSV import.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { SendRequest } from '../../src/domain/message/types.js';
import { startSink, type Sink } from '../support/sink.js';
import { sinkRoute, startTxmail, type Harness } from '../support/harness.js';

let sink: Sink;
let tx: Harness;

before(async () => {
  sink = await startSink({ tls: 'none' });
  tx = await startTxmail({ 'delivery.routes': [sinkRoute(sink.port)] });
});
after(async () => {
  await tx.close();
  await sink.close();
});

const SMUGGLER = '"x> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;spy@attacker.test <y"@sink.test';

test('a quoted local part an SMTP command cannot carry is refused by every way in', async () => {
  const r = await tx.post('/v1/messages', { from: 'shop@sender.test', to: ['ok@sink.test', SMUGGLER], subject: 's', text: 't' });
  assert.equal(r.status, 422, JSON.stringify(r.body));
  const fields = (r.body.error as { fields: Array<{ path: string; message: string }> }).fields;
  assert.equal(fields[0]?.path, 'to[1]');
  assert.match(fields[0]!.message, /"<" or ">"/);
  const param = await tx.post('/v1/messages', { from: 'shop@sender.test', to: ['"x NOTIFY=NEVER"@sink.test'], subject: 's', text: 't' });
  assert.equal(param.status, 422);
  const sg = await tx.post('/v3/mail/send', { personalizations: [{ to: [{ email: SMUGGLER }] }], from: { email: 'shop@sender.test' }, subject: 's', content: [{ type: 'text/plain', value: 'x' }] });
  assert.equal(sg.status, 400);
});

test('an unsendable recipient that got in is bounced hard at once; the others of the message are delivered', async () => {
  // As a message accepted before the rule existed: straight into the send path, no door.
  const request: SendRequest = {
    from: { address: 'shop@sender.test', smtputf8: false },
    to: [
      { address: 'fine@sink.test', smtputf8: false },
      { address: SMUGGLER, smtputf8: false },
    ],
    cc: [],
    bcc: [],
    content: { kind: 'raw', raw: Buffer.from('From: shop@sender.test\r\nTo: fine@sink.test\r\nSubject: old\r\n\r\nbody\r\n') },
    tags: [],
    metadata: {},
  };
  const outcome = await tx.app.send.send(tx.tenantId, [request]);
  assert.equal(outcome.kind, 'accepted');
  const id = outcome.kind === 'accepted' ? outcome.messages[0]!.messageId : '';
  const view = await tx.waitForStates(id, ['delivered', 'bounced'], 20_000);
  const bad = view.deliveries.find((d) => d.recipient === SMUGGLER)!;
  assert.equal(bad.state, 'bounced', `${bad.state}: ${bad.lastReply}`);
  assert.equal(bad.attempts, 1, 'decided on the first attempt');
  assert.equal(bad.bounceClass, 'hard');
  assert.equal(bad.reason, 'invalid_address');
  assert.match(bad.lastReply ?? '', /refused locally: the recipient .* cannot be sent/);
  assert.equal(view.deliveries.find((d) => d.recipient === 'fine@sink.test')?.state, 'delivered');
  assert.ok(sink.messages.every((m) => m.to.every((t) => !t.includes('NOTIFY'))), 'no smuggled parameter reached the sink');
});

/** One message per address (a message lists an address once, whatever its spelling). */
async function statuses(to: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const rcpt of to) {
    const r = await tx.post('/v1/messages', { from: 'shop@sender.test', to: [rcpt], subject: 's', text: 't' });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    out.push(...(r.body.recipients as Array<{ status: string }>).map((x) => x.status));
  }
  return out;
}

test('suppression holds whatever the spelling: quotes, case, U-label domain', async () => {
  assert.equal((await tx.post('/v1/suppressions', { email: 'e1-ra1@sink.test', reason: 'unsubscribe' })).status, 201);
  assert.deepEqual(await statuses(['"e1-ra1"@sink.test', '"E1-RA1"@SINK.test', 'e1-RA1@Sink.Test', 'other@sink.test']), ['dropped', 'dropped', 'dropped', 'queued']);

  // Suppressed in its quoted spelling, looked up and matched in the plain one.
  assert.equal((await tx.post('/v1/suppressions', { email: '"jane.doe"@Bücher.example', reason: 'manual' })).status, 201);
  const got = await tx.get('/v1/suppressions/jane.doe%40xn--bcher-kva.example');
  assert.equal(got.status, 200);
  assert.equal(got.body.email, 'jane.doe@xn--bcher-kva.example');
  assert.deepEqual(await statuses(['jane.doe@xn--bcher-kva.example', 'JANE.DOE@bücher.example']), ['dropped', 'dropped']);

  // A CSV import in the quoted spelling.
  const csv = 'email,reason\r\n"""imp""@sink.test",complaint\r\n';
  const imported = await fetch(`${tx.url}/v1/suppressions/import`, { method: 'POST', headers: { authorization: `Bearer ${tx.key}`, 'content-type': 'text/csv' }, body: csv });
  assert.equal(imported.status, 200, await imported.clone().text());
  assert.deepEqual(await statuses(['imp@sink.test']), ['dropped']);
  // A quoted local part that needs its quotes stays one address with them.
  assert.equal((await tx.post('/v1/suppressions', { email: '"a b"@sink.test' })).status, 201);
  assert.deepEqual(await statuses(['"a\\ b"@sink.test', '"A B"@sink.test']), ['dropped', 'dropped']);
});
