// SMTP submission end to end: nodemailer over STARTTLS + AUTH into txmail, delivered to a
// sink intact; the protocol's refusals (530, 538, 535, 552, 452, 421) with a raw client.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import nodemailer, { type Transporter } from 'nodemailer';
import { mintApiKey } from '../../src/ingress/auth.js';
import { selfSignedPath } from '../../src/ingress/smtp/tls.js';
import { RawSmtp } from '../support/smtp-client.js';
import { startSink, type Sink } from '../support/sink.js';
import { sinkRoute, startTxmail, type Harness } from '../support/harness.js';

const MAX_BYTES = 64 * 1024;
let sink: Sink;
let tx: Harness;
let port: number;
let ca: string;
let readKey: string;

before(async () => {
  sink = await startSink({ tls: 'none' });
  tx = await startTxmail({
    'delivery.routes': [sinkRoute(sink.port)],
    'limits.max_message_bytes': MAX_BYTES,
    'limits.max_recipients': 3,
    'submission.max_connections_per_ip': 4,
  });
  port = tx.app.submissionAddress().port;
  ca = readFileSync(selfSignedPath(tx.app.config.data_dir), 'utf8');
  const { key, record } = mintApiKey(tx.tenantId, 'reader', ['read'], Date.now());
  await tx.app.store.createApiKey(record);
  readKey = key;
});
after(async () => {
  await tx.close();
  await sink.close();
});

function transport(pass = tx.key): Transporter {
  return nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, requireTLS: true, auth: { user: 'apikey', pass }, tls: { ca } });
}

/** A raw session that is through STARTTLS and AUTH. */
async function authed(): Promise<RawSmtp> {
  const { client } = await RawSmtp.connect(port);
  await client.cmd('EHLO client.test');
  assert.equal((await client.starttls(ca)).code, 220);
  await client.cmd('EHLO client.test');
  assert.equal((await client.authPlain('apikey', tx.key)).code, 235);
  return client;
}

test('nodemailer over STARTTLS + AUTH: the message arrives intact, X-Txmail headers become tags and metadata', async () => {
  const t = transport();
  const pdf = Buffer.from('%PDF-1.4 fake ✓');
  const png = Buffer.from('89504e470d0a1a0a', 'hex');
  const info = await t.sendMail({
    from: '"Shöp" <shop@sender.test>',
    to: 'Ann <ann@smtp.test>',
    cc: 'carl@smtp.test',
    bcc: 'hidden@smtp.test',
    replyTo: 'Help <help@sender.test>',
    subject: 'Grüße — receipt №42 ✓',
    text: 'Ünïcödé text ✓\nline two',
    html: '<p>Ünïcödé <b>html</b> ✓ <img src="cid:logo@x"></p>',
    headers: { 'X-Order-Ref': 'A-42', 'X-Txmail-Tags': 'receipt, de', 'X-Txmail-Metadata': '{"order":"42","locale":"de-DE"}' },
    attachments: [
      { filename: 'receipt.pdf', content: pdf, contentType: 'application/pdf' },
      { filename: 'logo.png', content: png, cid: 'logo@x' },
    ],
  });
  t.close();
  const response = String(info.response);
  assert.match(response, /^250 2\.0\.0 Ok: queued as (msg_\w+)/);
  const id = /queued as (msg_\w+)/.exec(response)![1]!;
  // 250 came after the commit: the message is in the store already.
  const stored = await tx.app.store.getMessage(tx.tenantId, id);
  assert.ok(stored, 'stored before the 250');
  assert.deepEqual(stored.tags, ['receipt', 'de']);
  assert.deepEqual(stored.metadata, { order: '42', locale: 'de-DE' });
  assert.deepEqual(stored.deliveries.map((d) => d.recipient).sort(), ['ann@smtp.test', 'carl@smtp.test', 'hidden@smtp.test']);
  assert.equal(stored.envelopeFrom, 'shop@sender.test');

  await tx.waitForStates(id, ['delivered']);
  const got = await sink.waitFor(1, 15_000, (m) => m.to.includes('ann@smtp.test'));
  const m = got[0]!;
  const mail = await m.parse();
  assert.equal(mail.subject, 'Grüße — receipt №42 ✓');
  assert.equal(mail.text?.trim(), 'Ünïcödé text ✓\nline two');
  assert.match(String(mail.html), /Ünïcödé <b>html<\/b> ✓/);
  assert.equal(mail.replyTo?.value[0]?.address, 'help@sender.test');
  assert.equal(m.header('x-order-ref'), 'A-42');
  assert.equal(m.header('x-txmail-tags'), undefined, 'X-Txmail headers never reach a recipient');
  assert.equal(m.header('x-txmail-metadata'), undefined);
  assert.equal(m.header('bcc'), undefined);
  assert.equal(m.header('message-id'), stored.messageIdHeader);
  const att = new Map(mail.attachments.map((a) => [a.filename, a]));
  assert.deepEqual(att.get('receipt.pdf')?.content, pdf);
  assert.equal(att.get('logo.png')?.contentId, '<logo@x>');
  assert.deepEqual(att.get('logo.png')?.content, png);
});

test('EHLO advertises SIZE, STARTTLS and (after TLS) AUTH; nothing is accepted before AUTH', async () => {
  const { client, greeting } = await RawSmtp.connect(port);
  assert.equal(greeting.code, 220);
  const ehlo = await client.cmd('EHLO client.test');
  assert.match(ehlo.text, new RegExp(`SIZE ${MAX_BYTES}`));
  assert.match(ehlo.text, /STARTTLS/);
  const early = await client.cmd('MAIL FROM:<shop@sender.test>');
  assert.equal(early.code, 530, 'no open relay: MAIL before AUTH');
  assert.match(early.text, /5\.7\.0/);
  assert.equal((await client.authPlain('apikey', tx.key)).code, 538, 'the key never crosses in clear text');
  await client.starttls(ca);
  assert.match((await client.cmd('EHLO client.test')).text, /AUTH PLAIN LOGIN/);
  assert.equal((await client.cmd('RCPT TO:<a@smtp.test>')).code, 530);
  client.close();
});

test('AUTH PLAIN and LOGIN: a wrong key, a wrong user name or a key without the send scope fails', async () => {
  for (const [user, pass, code, enhanced] of [
    ['apikey', 'SG.aaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', 535, '5.7.8'],
    ['someone', tx.key, 535, '5.7.8'],
    ['apikey', readKey, 550, '5.7.1'],
  ] as const) {
    const { client } = await RawSmtp.connect(port);
    await client.cmd('EHLO client.test');
    await client.starttls(ca);
    await client.cmd('EHLO client.test');
    const r = await client.authPlain(user, pass);
    assert.equal(r.code, code, `${user}: ${r.text}`);
    assert.match(r.text, new RegExp(enhanced.replace(/\./g, '\\.')));
    assert.equal((await client.cmd('MAIL FROM:<shop@sender.test>')).code, 530);
    client.close();
  }
  // AUTH LOGIN: user name and password each in their own round, base64.
  const { client } = await RawSmtp.connect(port);
  await client.cmd('EHLO client.test');
  await client.starttls(ca);
  await client.cmd('EHLO client.test');
  assert.equal((await client.cmd('AUTH LOGIN')).code, 334);
  assert.equal((await client.cmd(Buffer.from('apikey').toString('base64'))).code, 334);
  assert.equal((await client.cmd(Buffer.from(tx.key).toString('base64'))).code, 235);
  assert.equal((await client.cmd('MAIL FROM:<shop@sender.test>')).code, 250);
  client.close();
  // nodemailer sees the same refusal.
  await assert.rejects(transport('SG.aaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb').verify(), (e: Error & { responseCode?: number }) => e.responseCode === 535);
});

test('an oversize message gets 552, declared (SIZE=) or not; nothing is stored', async () => {
  const before = (await tx.get('/v1/events?limit=1000')).body.events as unknown[];
  const t = transport();
  await assert.rejects(
    t.sendMail({ from: 'shop@sender.test', to: 'big@smtp.test', subject: 'big', text: 'x', attachments: [{ filename: 'big.bin', content: Buffer.alloc(MAX_BYTES, 7) }] }),
    (e: Error & { responseCode?: number }) => e.responseCode === 552,
  );
  t.close();
  const c = await authed();
  assert.equal((await c.cmd(`MAIL FROM:<shop@sender.test> SIZE=${MAX_BYTES + 1}`)).code, 552);
  assert.equal((await c.cmd('MAIL FROM:<shop@sender.test>')).code, 250);
  assert.equal((await c.cmd('RCPT TO:<big@smtp.test>')).code, 250);
  assert.equal((await c.cmd('DATA')).code, 354);
  c.write(`From: shop@sender.test\r\nSubject: big\r\n\r\n${'y'.repeat(76)}\r\n`.repeat(Math.ceil(MAX_BYTES / 80) + 10) + '.\r\n');
  const r = await c.reply();
  assert.equal(r.code, 552);
  assert.match(r.text, /5\.3\.4/);
  assert.equal((await c.cmd('NOOP')).code, 250, 'the session goes on');
  c.close();
  const afterEvents = (await tx.get('/v1/events?limit=1000')).body.events as unknown[];
  assert.equal(afterEvents.length, before.length, 'nothing was accepted');
});

test('envelope checks: null sender, bad addresses, too many recipients, bad X-Txmail headers, no From', async () => {
  const c = await authed();
  assert.equal((await c.cmd('MAIL FROM:<>')).code, 553);
  assert.equal((await c.cmd('MAIL FROM:<shop@sender.test>')).code, 250);
  assert.equal((await c.cmd('RCPT TO:<bad@-host.test>')).code, 553);
  for (const r of ['r1', 'r2', 'r3']) assert.equal((await c.cmd(`RCPT TO:<${r}@smtp.test>`)).code, 250);
  const fourth = await c.cmd('RCPT TO:<r4@smtp.test>');
  assert.equal(fourth.code, 452, 'limits.max_recipients is 3');
  assert.match(fourth.text, /^4\.5\.3 /);
  assert.equal((await c.cmd('DATA')).code, 354);
  c.write('From: shop@sender.test\r\nX-Txmail-Metadata: {not json\r\nX-Txmail-Tagz: a\r\nSubject: s\r\n\r\nbody\r\n.\r\n');
  const r = await c.reply();
  assert.equal(r.code, 550);
  assert.match(r.text, /X-Txmail-Metadata must be a JSON object/);
  assert.match(r.text, /X-Txmail-Tagz unknown txmail header/);
  assert.equal((await c.cmd('MAIL FROM:<shop@sender.test>')).code, 250);
  assert.equal((await c.cmd('RCPT TO:<r1@smtp.test>')).code, 250);
  assert.equal((await c.cmd('DATA')).code, 354);
  c.write('Subject: no from\r\n\r\nbody\r\n.\r\n');
  assert.match((await c.reply()).text, /no From header/);
  c.close();
});

test('connections per client IP are limited with 421', async () => {
  const open: RawSmtp[] = [];
  try {
    for (let i = 0; i < 4; i++) {
      const { client, greeting } = await RawSmtp.connect(port);
      open.push(client);
      assert.equal(greeting.code, 220);
    }
    const { client, greeting } = await RawSmtp.connect(port);
    open.push(client);
    assert.equal(greeting.code, 421);
    assert.match(greeting.text, /4\.7\.0 Too many connections/);
  } finally {
    for (const c of open) c.close();
  }
  // Closed connections free their places (the server sees the close a little later).
  for (let tries = 0; ; tries++) {
    const { client, greeting } = await RawSmtp.connect(port);
    client.close();
    if (greeting.code === 220) break;
    assert.ok(tries < 100, 'places were not freed');
    await new Promise((r) => setTimeout(r, 50));
  }
});
