// The Postmark API as the `postmark` client speaks it, changed only in its requestHost: single,
// batch and templated sends arrive at a loopback sink intact; errors carry Postmark's ErrorCode.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ParsedMail } from 'mailparser';
import { ServerClient } from 'postmark';
import { mintApiKey } from '../../src/ingress/auth.js';
import { startSink, type Sink } from '../support/sink.js';
import { sinkRoute, startTxmail, type Harness } from '../support/harness.js';

let sink: Sink;
let tx: Harness;
let readKey: string;

before(async () => {
  sink = await startSink({ tls: 'none' });
  tx = await startTxmail({ 'delivery.routes': [sinkRoute(sink.port)] });
  const { key, record } = mintApiKey(tx.tenantId, 'reader', ['read'], Date.now());
  await tx.app.store.createApiKey(record);
  readKey = key;
});
after(async () => {
  await tx.close();
  await sink.close();
});

/** The one change a Postmark user makes: requestHost (and http on loopback). */
function client(token = tx.key): ServerClient {
  return new ServerClient(token, { requestHost: new URL(tx.url).host, useHttps: false, timeout: 60 });
}

async function receivedBy(rcpt: string): Promise<{ mail: ParsedMail; header: (n: string) => string | undefined }> {
  const [m] = await sink.waitFor(1, 15_000, (x) => x.to.includes(rcpt));
  return { mail: await m!.parse(), header: (n) => m!.header(n) };
}

type PmError = Error & { code?: number; statusCode?: number };

test('sendEmail: the message arrives intact; Tag and Metadata are kept', async () => {
  const pdf = Buffer.from('%PDF ✓');
  const png = Buffer.from('89504e47', 'hex');
  const res = await client().sendEmail({
    From: '"Shöp" <shop@sender.test>',
    To: 'Ann <ann@pm.test>, bob@pm.test',
    Cc: 'carl@pm.test',
    Bcc: 'hidden@pm.test',
    ReplyTo: 'help@sender.test',
    Subject: 'Ihre Bestellung ✓ №42',
    TextBody: 'Grüße ✓',
    HtmlBody: '<p>Grüße <b>✓</b> <img src="cid:logo"></p>',
    Headers: [{ Name: 'X-Order-Ref', Value: 'A-42' }],
    Tag: 'receipt',
    Metadata: { order: '42' },
    TrackOpens: true,
    MessageStream: 'outbound',
    Attachments: [
      { Name: 'receipt.pdf', Content: pdf.toString('base64'), ContentType: 'application/pdf', ContentID: null },
      { Name: 'logo.png', Content: png.toString('base64'), ContentType: 'image/png', ContentID: 'cid:logo' },
    ],
  });
  assert.equal(res.ErrorCode, 0);
  assert.equal(res.Message, 'OK');
  assert.equal(res.To, 'Ann <ann@pm.test>, bob@pm.test');
  assert.ok(!Number.isNaN(Date.parse(res.SubmittedAt)));
  const stored = await tx.app.store.getMessage(tx.tenantId, res.MessageID);
  assert.deepEqual(stored?.tags, ['receipt']);
  assert.deepEqual(stored?.metadata, { order: '42' });
  assert.deepEqual(stored?.deliveries.map((d) => d.recipient).sort(), ['ann@pm.test', 'bob@pm.test', 'carl@pm.test', 'hidden@pm.test']);
  await tx.waitForStates(res.MessageID, ['delivered']);
  const { mail, header } = await receivedBy('ann@pm.test');
  assert.equal(mail.subject, 'Ihre Bestellung ✓ №42');
  assert.equal(mail.text?.trim(), 'Grüße ✓');
  assert.match(String(mail.html), /Grüße <b>✓<\/b>/);
  assert.equal(mail.replyTo?.value[0]?.address, 'help@sender.test');
  assert.equal(header('x-order-ref'), 'A-42');
  assert.equal(header('bcc'), undefined);
  const att = new Map(mail.attachments.map((a) => [a.filename, a]));
  assert.deepEqual(att.get('receipt.pdf')?.content, pdf);
  assert.equal(att.get('logo.png')?.contentId, '<logo>');
});

test('sendEmailBatch: valid messages are accepted together, an invalid one is reported in its place', async () => {
  const results = await client().sendEmailBatch([
    { From: 'shop@sender.test', To: 'b1@pm.test', Subject: 'one', TextBody: 'first' },
    { From: 'shop@sender.test', To: 'not an address', Subject: 'two', TextBody: 'second' },
    { From: 'shop@sender.test', To: 'b3@pm.test', Subject: 'three', HtmlBody: '<p>third</p>' },
  ]);
  assert.deepEqual(results.map((r) => r.ErrorCode), [0, 300, 0]);
  assert.match(results[1]!.Message, /Illegal email address 'not an address'/);
  await Promise.all([results[0]!, results[2]!].map((r) => tx.waitForStates(r.MessageID, ['delivered'])));
  assert.equal((await receivedBy('b1@pm.test')).mail.text?.trim(), 'first');
  assert.equal((await receivedBy('b3@pm.test')).mail.text?.trim(), 'third', 'a text part made from the HTML');
});

test('sendEmailWithTemplate by alias and batchWithTemplates render the TemplateModel', async () => {
  const tpl = await tx.post('/v1/templates', { name: 'pm-welcome', subject: 'Hello {{name}}', html: '<p>Welcome, {{name}}! {{#each items}}[{{this}}]{{/each}}</p>' });
  assert.equal(tpl.status, 201);
  const one = await client().sendEmailWithTemplate({ From: 'shop@sender.test', To: 't1@pm.test', TemplateAlias: 'pm-welcome', TemplateModel: { name: 'Tia', items: ['a', 'b'] } });
  assert.equal(one.ErrorCode, 0);
  const many = await client().sendEmailBatchWithTemplates([
    { From: 'shop@sender.test', To: 't2@pm.test', TemplateAlias: 'pm-welcome', TemplateModel: { name: 'Tom' } },
    { From: 'shop@sender.test', To: 't3@pm.test', TemplateAlias: 'nope', TemplateModel: {} },
  ]);
  assert.deepEqual(many.map((r) => r.ErrorCode), [0, 1101]);
  await tx.waitForStates(one.MessageID, ['delivered']);
  await tx.waitForStates(many[0]!.MessageID, ['delivered']);
  const t1 = await receivedBy('t1@pm.test');
  assert.equal(t1.mail.subject, 'Hello Tia');
  assert.match(String(t1.mail.html), /Welcome, Tia! \[a\]\[b\]/);
  assert.equal((await receivedBy('t2@pm.test')).mail.subject, 'Hello Tom');
  await assert.rejects(client().sendEmailWithTemplate({ From: 'shop@sender.test', To: 'x@pm.test', TemplateAlias: 'nope', TemplateModel: {} }), (e: PmError) => e.code === 1101 && e.statusCode === 422);
});

test('errors: 401 with ErrorCode 10 for a wrong or missing token, 422 with 300 for an invalid message, 405 without the send scope', async () => {
  const msg = { From: 'shop@sender.test', To: 'x@pm.test', Subject: 's', TextBody: 't' };
  await assert.rejects(client('SG.aaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb').sendEmail(msg), (e: PmError) => {
    assert.equal(e.name, 'InvalidAPIKeyError');
    assert.deepEqual([e.code, e.statusCode], [10, 401]);
    assert.match(e.message, /Server Token you provided/);
    return true;
  });
  const none = await fetch(`${tx.url}/email`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(msg) });
  assert.equal(none.status, 401);
  assert.equal(((await none.json()) as { ErrorCode: number }).ErrorCode, 10);
  await assert.rejects(client(readKey).sendEmail(msg), (e: PmError) => e.code === 405 && e.statusCode === 422);
  await assert.rejects(client().sendEmail({ ...msg, To: '' }), (e: PmError) => {
    assert.equal(e.name, 'InvalidEmailRequestError');
    assert.deepEqual([e.code, e.statusCode], [300, 422]);
    assert.match(e.message, /Zero recipients specified/);
    return true;
  });
  await assert.rejects(client().sendEmail({ From: msg.From, To: msg.To, Subject: 'no body' }), (e: PmError) => e.code === 300);
});
