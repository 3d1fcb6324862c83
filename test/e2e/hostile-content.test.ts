// Hostile content from a tenant, end to end (issue 15): multipart/message attachment types,
// lines over 998 octets at every ingress (checked at the sink), pre-encoded RFC 2047 words,
// unbounded template previews, JSON sent as text/plain, and floods of tracking fetches.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { mintApiKey } from '../../src/ingress/auth.js';
import { selfSignedPath } from '../../src/ingress/smtp/tls.js';
import { findLongLine } from '../../src/domain/message/line-length.js';
import { freePort } from '../support/process.js';
import { RawSmtp } from '../support/smtp-client.js';
import { startSink, type Sink } from '../support/sink.js';
import { sinkRoute, startTxmail, type Harness } from '../support/harness.js';

let sink: Sink;
let tx: Harness;
let readKey: string;
let ses: SESv2Client;

before(async () => {
  sink = await startSink({ tls: 'none' });
  const port = await freePort();
  tx = await startTxmail({
    'http.port': port,
    public_url: `http://127.0.0.1:${port}`,
    'delivery.routes': [sinkRoute(sink.port, '*', 'none')],
    'tracking.click_window_s': 0,
    'tracking.max_events_per_delivery_per_minute': 5,
  });
  const { key, record } = mintApiKey(tx.tenantId, 'reader', ['read'], Date.now());
  await tx.app.store.createApiKey(record);
  readKey = key;
  const c = await tx.get('/v1/ses-credentials');
  ses = new SESv2Client({
    region: 'eu-west-1',
    endpoint: tx.url,
    credentials: { accessKeyId: c.body.access_key_id as string, secretAccessKey: c.body.secret_access_key as string },
    maxAttempts: 1,
  });
});
after(async () => {
  ses.destroy();
  await tx.close();
  await sink.close();
});

const json = async (path: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> => {
  const res = await fetch(tx.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
};
const sendgrid = (body: unknown): Promise<{ status: number; body: Record<string, unknown> }> => json('/v3/mail/send', body, { authorization: `Bearer ${tx.key}` });
const postmark = (body: unknown): Promise<{ status: number; body: Record<string, unknown> }> => json('/email', body, { 'x-postmark-server-token': tx.key, accept: 'application/json' });
const sesError = async (input: ConstructorParameters<typeof SendEmailCommand>[0]): Promise<{ name: string; message: string }> => {
  try {
    await ses.send(new SendEmailCommand(input));
  } catch (e) {
    return e as { name: string; message: string };
  }
  assert.fail('SES accepted the message');
};
const fields = (b: Record<string, unknown>): string[] => ((b.error as { fields: Array<{ path: string }> }).fields ?? []).map((f) => f.path);
const b64 = (s: string): string => Buffer.from(s).toString('base64');

test('multipart/* and message/* attachment types are refused, naming the field, in every JSON API', async () => {
  const native = await tx.post('/v1/messages', {
    from: 'a@sender.test',
    to: 'b@hostile.test',
    subject: 's',
    text: 't',
    attachments: [{ filename: 'x.bin', content: b64('x'), content_type: 'multipart/mixed; boundary=zz' }],
  });
  assert.equal(native.status, 422);
  assert.deepEqual(fields(native.body), ['attachments[0].content_type']);
  const sg = await sendgrid({
    personalizations: [{ to: [{ email: 'b@hostile.test' }] }],
    from: { email: 'a@sender.test' },
    subject: 's',
    content: [{ type: 'text/plain', value: 't' }],
    attachments: [{ filename: 'x.eml', content: b64('x'), type: 'message/rfc822' }],
  });
  assert.equal(sg.status, 400);
  assert.match(JSON.stringify(sg.body), /"field":"attachments\.0\.type"/);
  const pm = await postmark({ From: 'a@sender.test', To: 'b@hostile.test', Subject: 's', TextBody: 't', Attachments: [{ Name: 'x', Content: b64('x'), ContentType: 'multipart/alternative; boundary=q' }] });
  assert.equal(pm.status, 422);
  assert.match(String(pm.body.Message), /must not be a multipart/);
  const e = await sesError({
    FromEmailAddress: 'a@sender.test',
    Destination: { ToAddresses: ['b@hostile.test'] },
    Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 't' } }, Attachments: [{ FileName: 'x', RawContent: Buffer.from('x'), ContentType: 'multipart/mixed' }] } },
  });
  assert.equal(e.name, 'BadRequestException');
  assert.match(e.message, /must not be a multipart/);
});

test('no line over 998 octets reaches the sink from the JSON APIs; finished messages with one are refused (SES Raw 400, SMTP 550)', async () => {
  const line = 'L'.repeat(10_000);
  const before = sink.messages.length;
  const ids: string[] = [];
  const n = await tx.post('/v1/messages', { from: 'a@sender.test', to: 'long1@lines.test', subject: 'y'.repeat(998), text: line, html: `<p>${line}</p>`, headers: { 'X-Max': 'z '.repeat(495) } });
  assert.equal(n.status, 202, JSON.stringify(n.body));
  ids.push(n.body.id as string);
  const tooLong = await tx.post('/v1/messages', { from: 'a@sender.test', to: 'long1@lines.test', subject: 's', text: 't', headers: { 'X-Max': 'z'.repeat(998 - 'X-Max: '.length + 1) } });
  assert.equal(tooLong.status, 422);
  assert.deepEqual(fields(tooLong.body), ['headers.X-Max']);
  assert.equal((await sendgrid({ personalizations: [{ to: [{ email: 'long2@lines.test' }] }], from: { email: 'a@sender.test' }, subject: 's', content: [{ type: 'text/plain', value: line }] })).status, 202);
  assert.equal((await postmark({ From: 'a@sender.test', To: 'long3@lines.test', Subject: 's', HtmlBody: `<p>${line}</p>` })).status, 200);
  await ses.send(new SendEmailCommand({ FromEmailAddress: 'a@sender.test', Destination: { ToAddresses: ['long4@lines.test'] }, Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: line } } } } }));
  const received = await sink.waitFor(before + 4, 20_000, (m) => m.to.some((t) => t.endsWith('@lines.test')));
  for (const m of received) assert.equal(findLongLine(m.raw), undefined, `${m.to.join()}: ${JSON.stringify(findLongLine(m.raw))}`);
  const parsed = await received.find((m) => m.to.includes('long1@lines.test'))!.parse();
  assert.equal(parsed.subject, 'y'.repeat(998), 'the long subject reads the same');
  assert.equal(parsed.text?.trim(), line);

  const raw = `From: a@sender.test\r\nTo: long5@lines.test\r\nSubject: raw\r\n\r\n${line}\r\n`;
  const e = await sesError({ Content: { Raw: { Data: Buffer.from(raw) } } });
  assert.equal(e.name, 'MessageRejected');
  assert.match(e.message, /line \d+ \(in the body\) is 10000 octets/);

  const port = tx.app.submissionAddress().port;
  const ca = readFileSync(selfSignedPath(tx.app.config.data_dir), 'utf8');
  const { client: c } = await RawSmtp.connect(port);
  await c.cmd('EHLO client.test');
  assert.equal((await c.starttls(ca)).code, 220);
  await c.cmd('EHLO client.test');
  assert.equal((await c.authPlain('apikey', tx.key)).code, 235);
  assert.equal((await c.cmd('MAIL FROM:<a@sender.test>')).code, 250);
  assert.equal((await c.cmd('RCPT TO:<long6@lines.test>')).code, 250);
  assert.equal((await c.cmd('DATA')).code, 354);
  c.write(`From: a@sender.test\r\nSubject: raw\r\n\r\n${line}\r\n.\r\n`);
  const r = await c.reply();
  assert.equal(r.code, 550);
  assert.match(r.text, /5\.6\.0 .*998/);
  c.close();
});

test('pre-encoded words are checked as the text they decode to, in the native and compat APIs', async () => {
  const bcc = '=?utf-8?B?eA0KQmNjOiB2aWN0aW1AaG9zdGlsZS50ZXN0?='; // "x\r\nBcc: victim@hostile.test"
  const n = await tx.post('/v1/messages', { from: 'a@sender.test', to: 'b@hostile.test', subject: bcc, text: 't' });
  assert.equal(n.status, 422);
  assert.deepEqual(fields(n.body), ['subject']);
  const spoof = await tx.post('/v1/messages', { from: '=?utf-8?B?YmlsbGluZ0BiYW5rLnRlc3Q=?= <a@sender.test>', to: 'b@hostile.test', subject: 's', text: 't' });
  assert.equal(spoof.status, 422);
  assert.match(JSON.stringify(spoof.body), /shows the address \\"billing@bank.test\\"/);
  const sg = await sendgrid({ personalizations: [{ to: [{ email: 'b@hostile.test' }] }], from: { email: 'a@sender.test', name: '"ceo@bank.test"' }, subject: bcc, content: [{ type: 'text/plain', value: 't' }] });
  assert.equal(sg.status, 400);
  const pm = await postmark({ From: 'a@sender.test', To: 'b@hostile.test', Subject: bcc, TextBody: 't' });
  assert.equal(pm.status, 422);
  const raw = await sesError({ Content: { Raw: { Data: Buffer.from(`From: a@sender.test\r\nTo: b@hostile.test\r\nSubject: ${bcc}\r\n\r\nbody\r\n`) } } });
  assert.equal(raw.name, 'BadRequestException');
  assert.match(raw.message, /decodes to a line break/);
});

test('a template preview is bounded: the 522-byte three-loop preview gets 422 TX_ERR_TEMPLATE_TOO_LARGE, fast', async () => {
  const items = Array.from({ length: 200 }, (_, i) => i);
  const started = Date.now();
  const r = await json(
    '/v1/templates/preview',
    { subject: 's', html: '{{#each items}}{{#each ../items}}{{#each ../../items}}<p>{{this}} and more text</p>{{/each}}{{/each}}{{/each}}', data: { items } },
    { authorization: `Bearer ${readKey}` },
  );
  assert.equal(r.status, 422, JSON.stringify(r.body).slice(0, 300));
  assert.equal((r.body.error as { code: string }).code, 'TX_ERR_TEMPLATE_TOO_LARGE');
  assert.deepEqual(fields(r.body), ['html']);
  assert.ok(Date.now() - started < 30_000, 'within 30 s even on a loaded machine');
});

test('JSON sent as text/plain gets 415 on every native route that takes a body', async () => {
  const routes: Array<[string, string]> = [
    ['POST', '/v1/messages'],
    ['POST', '/v1/templates'],
    ['POST', '/v1/templates/preview'],
    ['PUT', '/v1/settings/tracking'],
    ['POST', '/v1/webhooks'],
    ['POST', '/v1/domains'],
    ['POST', '/v1/suppressions'],
  ];
  for (const [method, path] of routes) {
    const res = await fetch(tx.url + path, { method, headers: { authorization: `Bearer ${tx.key}`, 'content-type': 'text/plain' }, body: '{"a":1}' });
    assert.equal(res.status, 415, `${method} ${path}`);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'TX_ERR_UNSUPPORTED_MEDIA_TYPE');
  }
});

test('tracking fetches past the per-delivery limit still get the pixel and the redirect but record nothing', async () => {
  const res = await tx.post('/v1/messages', {
    from: 'a@sender.test',
    to: 'flood@track.test',
    subject: 's',
    html: '<html><body><a href="https://shop.test/x">x</a></body></html>',
    tracking: { opens: true, clicks: true },
  });
  assert.equal(res.status, 202);
  const id = res.body.id as string;
  await tx.waitForStates(id, ['delivered']);
  const [m] = await sink.waitFor(1, 15_000, (x) => x.to.includes('flood@track.test'));
  const html = String((await m!.parse()).html);
  const pixel = /<img src="([^"]*)"/.exec(html)![1]!;
  const link = /href="([^"]*)"/.exec(html)![1]!.replace(/&amp;/g, '&');
  for (let i = 0; i < 40; i++) {
    const p = await fetch(pixel);
    assert.equal(p.status, 200);
    assert.equal(p.headers.get('content-type'), 'image/gif');
    await p.arrayBuffer();
    const c = await fetch(link, { redirect: 'manual' });
    assert.equal(c.status, 302);
    assert.equal(c.headers.get('location'), 'https://shop.test/x');
  }
  const events = (await tx.get(`/v1/messages/${id}`)).body.events as Array<{ type: string }>;
  assert.equal(events.filter((e) => e.type === 'opened').length, 5, 'tracking.max_events_per_delivery_per_minute is 5');
  assert.equal(events.filter((e) => e.type === 'clicked').length, 5);
});
