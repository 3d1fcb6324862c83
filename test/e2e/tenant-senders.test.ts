// Issue 15 item 2: a tenant cannot send as another tenant (or anyone else) through any ingress.
// Two tenants, A (hostile-a.test) and B (hostile-b.test), each owning its domain. Before the
// fix, SMTP submission and SES Raw judged only the envelope sender and the API's sender field:
// a header `From:` of B's domain, of a bank, with two addresses or two From fields, or a foreign
// `Sender:`, was queued, DKIM-signed with A's domain and delivered. Every case is also tried
// under the development switch, which must still never let A send as a domain B claims.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { SESv2Client, SendEmailCommand, type SendEmailCommandInput } from '@aws-sdk/client-sesv2';
import nodemailer from 'nodemailer';
import { selfSignedPath } from '../../src/ingress/smtp/tls.js';
import { proveOwnership } from '../support/domains.js';
import { sinkRoute, startTxmail, type Harness } from '../support/harness.js';
import { startSink, type Sink } from '../support/sink.js';
import { addTenant, defaultTenant, type TestTenant } from '../support/tenants.js';

let sink: Sink;
let tx: Harness;
let a: TestTenant;
let b: TestTenant;

before(async () => {
  sink = await startSink({ tls: 'none' });
  tx = await startTxmail({ 'delivery.routes': [sinkRoute(sink.port, '*', 'none')], 'domains.allow_unverified_senders': false, 'domains.cache_s': 0 });
  a = defaultTenant(tx);
  b = await addTenant(tx, 'ten_b');
  for (const [t, name] of [[a, 'hostile-a.test'], [b, 'hostile-b.test']] as const) {
    const r = await t.call('POST', '/v1/domains', { name });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    await proveOwnership(tx.app.store, t.id, name);
  }
  const r = await tx.post('/v1/templates', { name: 'note', subject: 'Note', text: 'Hello {{name}}' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
});
after(async () => {
  await tx.close();
  await sink.close();
});

let seq = 0;

/** Submits `head` (header fields before To/Subject) over SMTP as tenant `t`; the reply code and text. */
async function smtp(t: TestTenant, mailFrom: string, head: string): Promise<{ code: number; text: string; rcpt: string }> {
  const rcpt = `r${++seq}@dest.test`;
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: tx.app.submissionAddress().port,
    secure: false,
    requireTLS: true,
    auth: { user: 'apikey', pass: t.key },
    tls: { ca: readFileSync(selfSignedPath(tx.app.config.data_dir), 'utf8') },
  });
  const raw = `${head}\r\nTo: ${rcpt}\r\nSubject: case ${seq}\r\nMessage-ID: <case-${seq}@hostile-a.test>\r\n\r\nPay this invoice.\r\n`;
  try {
    const info = await transport.sendMail({ envelope: { from: mailFrom, to: [rcpt] }, raw });
    return { code: 250, text: String(info.response), rcpt };
  } catch (e) {
    const err = e as { responseCode?: number; response?: string };
    return { code: err.responseCode ?? 0, text: err.response ?? String(e), rcpt };
  } finally {
    transport.close();
  }
}

const refusedSpoofs: Array<[what: string, mailFrom: string, head: string, reply: RegExp]> = [
  ['From of the other tenant', 'shop@hostile-a.test', 'From: Tenant B billing <billing@hostile-b.test>', /^550 5\.7\.1 .*hostile-b\.test/],
  ['From of a subdomain of the other tenant', 'shop@hostile-a.test', 'From: billing@pay.hostile-b.test', /^550 5\.7\.1 .*pay\.hostile-b\.test/],
  ['From of a bank nobody added', 'shop@hostile-a.test', 'From: CEO <ceo@bank.example>', /^550 5\.7\.1 .*bank\.example/],
  ['two addresses in one From', 'shop@hostile-a.test', 'From: shop@hostile-a.test, billing@hostile-b.test', /^550 5\.6\.0 .*From the From header names 2 addresses/],
  ['two From fields', 'shop@hostile-a.test', 'From: shop@hostile-a.test\r\nFrom: billing@hostile-b.test', /^550 5\.6\.0 .*2 From header fields/],
  ['an address as display name', 'shop@hostile-a.test', 'From: billing@hostile-b.test <shop@hostile-a.test>', /^550 5\.6\.0 .*From/],
  ['a Sender of the other tenant', 'shop@hostile-a.test', 'From: shop@hostile-a.test\r\nSender: billing@hostile-b.test', /^550 5\.7\.1 .*hostile-b\.test/],
  ['an envelope sender of the other tenant', 'billing@hostile-b.test', 'From: shop@hostile-a.test', /^550 5\.7\.1 .*hostile-b\.test/],
];

test('SMTP submission: a header From or Sender outside the tenant’s domains is refused with 550, nothing is stored or sent', async () => {
  for (const [what, mailFrom, head, reply] of refusedSpoofs) {
    const r = await smtp(a, mailFrom, head);
    assert.equal(r.code, 550, `${what}: ${r.text}`);
    assert.match(r.text, reply, what);
  }
  // Tenant B cannot send as A either.
  const reverse = await smtp(b, 'billing@hostile-b.test', 'From: shop@hostile-a.test');
  assert.match(reverse.text, /^550 5\.7\.1 .*hostile-a\.test/);
  // The tenant's own From passes, is signed with its own domain and delivered.
  const ok = await smtp(a, 'shop@hostile-a.test', 'From: "Shop" <shop@news.hostile-a.test>\r\nSender: ops@hostile-a.test');
  assert.equal(ok.code, 250, ok.text);
  const [m] = await sink.waitFor(1, 15_000, (x) => x.to.includes(ok.rcpt));
  assert.match(m!.header('dkim-signature') ?? '', /d=hostile-a\.test;/);
  const events = (await tx.get('/v1/events?limit=1000')).body.events as Array<{ recipient: string }>;
  assert.deepEqual([...new Set(events.map((e) => e.recipient))], [ok.rcpt], 'nothing of the refused messages was stored');
  assert.deepEqual(sink.messages.map((x) => x.to).flat(), [ok.rcpt], 'nothing of the refused messages was sent');
});

test('the development switch lets a tenant send from domains nobody claims, never from another tenant’s, and never ambiguously', async () => {
  await tx.app.store.updateTenantSettings(a.id, { allowUnverifiedSenders: true });
  try {
    assert.match((await smtp(a, 'shop@hostile-a.test', 'From: Tenant B billing <billing@hostile-b.test>')).text, /^550 5\.7\.1 .*hostile-b\.test belongs to another account/);
    assert.match((await smtp(a, 'shop@hostile-a.test', 'From: billing@pay.hostile-b.test')).text, /^550 5\.7\.1 .*belongs to another account/);
    assert.match((await smtp(a, 'billing@hostile-b.test', 'From: shop@hostile-a.test')).text, /^550 5\.7\.1 /, 'envelope sender too');
    assert.match((await smtp(a, 'shop@hostile-a.test', 'From: shop@hostile-a.test\r\nFrom: billing@hostile-b.test')).text, /^550 5\.6\.0 /);
    const native = await tx.post('/v1/messages', { from: 'billing@hostile-b.test', to: 'x@dest.test', subject: 's', text: 't' });
    assert.deepEqual([native.status, (native.body.error as { code: string }).code], [403, 'TX_ERR_SENDER_NOT_ALLOWED']);
    // A domain nobody claims is what the switch is for.
    assert.equal((await smtp(a, 'shop@hostile-a.test', 'From: CEO <ceo@bank.example>')).code, 250);
  } finally {
    await tx.app.store.updateTenantSettings(a.id, { allowUnverifiedSenders: false });
  }
});

function ses(creds: { accessKeyId: string; secretAccessKey: string }): (input: SendEmailCommandInput) => Promise<string> {
  const client = new SESv2Client({ region: 'eu-west-1', endpoint: tx.url, credentials: creds, maxAttempts: 1 });
  return async (input) => {
    try {
      await client.send(new SendEmailCommand(input));
      return 'accepted';
    } catch (e) {
      const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
      return `${err.$metadata?.httpStatusCode} ${err.name}: ${err.message}`;
    }
  };
}

const rawOf = (head: string): { Data: Uint8Array } => ({ Data: Buffer.from(`${head}\r\nTo: x@dest.test\r\nSubject: s\r\n\r\nbody\r\n`) });

test('SES v2: Raw content is judged by its From and Sender fields as well as FromEmailAddress; Simple and Template by FromEmailAddress', async () => {
  const r = await a.call('GET', '/v1/ses-credentials');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const send = ses({ accessKeyId: r.body.access_key_id as string, secretAccessKey: r.body.secret_access_key as string });
  const dest = { ToAddresses: ['x@dest.test'] };
  const cases: Array<[string, SendEmailCommandInput, RegExp]> = [
    ['Raw, foreign From, own FromEmailAddress', { FromEmailAddress: 'shop@hostile-a.test', Destination: dest, Content: { Raw: rawOf('From: Tenant B billing <billing@hostile-b.test>') } }, /^400 MessageRejected: .*hostile-b\.test/],
    ['Raw, foreign From alone', { Content: { Raw: rawOf('From: ceo@bank.example') } }, /^400 MessageRejected: .*bank\.example/],
    ['Raw, two From fields', { Destination: dest, Content: { Raw: rawOf('From: shop@hostile-a.test\r\nFrom: billing@hostile-b.test') } }, /^400 BadRequestException: .*2 From header fields/],
    ['Raw, two addresses', { Destination: dest, Content: { Raw: rawOf('From: shop@hostile-a.test, billing@hostile-b.test') } }, /^400 BadRequestException: /],
    ['Raw, foreign Sender', { Destination: dest, Content: { Raw: rawOf('From: shop@hostile-a.test\r\nSender: billing@hostile-b.test') } }, /^400 MessageRejected: .*hostile-b\.test/],
    ['Raw, own From, foreign FromEmailAddress', { FromEmailAddress: 'billing@hostile-b.test', Destination: dest, Content: { Raw: rawOf('From: shop@hostile-a.test') } }, /^400 MessageRejected: .*hostile-b\.test/],
    ['Simple, foreign FromEmailAddress', { FromEmailAddress: 'billing@hostile-b.test', Destination: dest, Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 't' } } } } }, /^400 MessageRejected: /],
    ['Template, foreign FromEmailAddress', { FromEmailAddress: 'billing@hostile-b.test', Destination: dest, Content: { Template: { TemplateName: 'note', TemplateData: '{"name":"x"}' } } }, /^400 MessageRejected: /],
  ];
  for (const [what, input, want] of cases) assert.match(await send(input), want, what);
  assert.equal(await send({ Destination: dest, Content: { Raw: rawOf('From: "Shop" <shop@hostile-a.test>') } }), 'accepted');
});

test('SendGrid, Postmark and the native API refuse the other tenant’s domain with their own errors', async () => {
  const sg = await fetch(`${tx.url}/v3/mail/send`, {
    method: 'POST',
    headers: { authorization: `Bearer ${a.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ from: { email: 'billing@hostile-b.test' }, personalizations: [{ to: [{ email: 'x@dest.test' }] }], subject: 's', content: [{ type: 'text/plain', value: 't' }] }),
  });
  const sgBody = (await sg.json()) as { errors: Array<{ field: string; message: string }> };
  assert.equal(sg.status, 403);
  assert.deepEqual(sgBody.errors.map((e) => e.field), ['from']);
  const pm = await fetch(`${tx.url}/email`, {
    method: 'POST',
    headers: { 'x-postmark-server-token': a.key, 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ From: 'Tenant B <billing@hostile-b.test>', To: 'x@dest.test', Subject: 's', TextBody: 't' }),
  });
  const pmBody = (await pm.json()) as { ErrorCode: number; Message: string };
  assert.deepEqual([pm.status, pmBody.ErrorCode], [422, 400]);
  assert.match(pmBody.Message, /hostile-b\.test/);
  const native = await b.call('POST', '/v1/messages', { from: 'shop@hostile-a.test', to: 'x@dest.test', subject: 's', text: 't' });
  assert.deepEqual([native.status, (native.body.error as { code: string }).code], [403, 'TX_ERR_SENDER_NOT_ALLOWED']);
});
