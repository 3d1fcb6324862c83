// The SendGrid v3 API as @sendgrid/mail speaks it, changed only in its base URL, into a txmail
// started here and on to a loopback sink; plus SendGrid's error shapes, sandbox mode and
// personalizations rendering each recipient's own template data.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client } from '@sendgrid/client';
import sgMail from '@sendgrid/mail';
import type { ParsedMail } from 'mailparser';
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
  useKey(tx.key);
});
after(async () => {
  await tx.close();
  await sink.close();
});

/** The one change a SendGrid user makes: the base URL (after setApiKey, which resets it). */
function useKey(key: string): void {
  const client = new Client();
  client.setApiKey(key);
  client.setDefaultRequest('baseUrl', `${tx.url}/`);
  sgMail.setClient(client);
}

async function post(body: unknown, key = tx.key): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(`${tx.url}/v3/mail/send`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/** The parsed message each of `rcpts` received at the sink, once all have. */
async function receivedBy(rcpts: readonly string[]): Promise<Map<string, ParsedMail>> {
  await sink.waitFor(1, 15_000, () => rcpts.every((r) => sink.messages.some((m) => m.to.includes(r))));
  const out = new Map<string, ParsedMail>();
  for (const r of rcpts) out.set(r, await sink.messages.find((m) => m.to.includes(r))!.parse());
  return out;
}

const queuedCount = async (): Promise<number> =>
  ((await tx.get('/v1/events?limit=1000')).body.events as Array<{ type: string }>).filter((e) => e.type === 'queued').length;

test('@sendgrid/mail sends through txmail; the message arrives intact', async () => {
  const pdf = Buffer.from('%PDF-1.4 receipt ✓');
  const png = Buffer.from('89504e470d0a1a0a0000', 'hex');
  const [res] = await sgMail.send({
    to: [{ email: 'ann@sg.test', name: 'Ann Ö' }],
    cc: 'carl@sg.test',
    bcc: 'hidden@sg.test',
    from: { email: 'shop@sender.test', name: 'Shöp' },
    replyTo: { email: 'help@sender.test', name: 'Help' },
    subject: 'Ihre Bestellung ✓ №42',
    text: 'Grüße, Ann ✓',
    html: '<p>Grüße, <b>Ann</b> ✓ <img src="cid:logo"></p>',
    headers: { 'X-Order-Ref': 'A-42' },
    categories: ['receipt', 'de'],
    customArgs: { order: '42' },
    attachments: [
      { content: pdf.toString('base64'), filename: 'receipt.pdf', type: 'application/pdf', disposition: 'attachment' },
      { content: png.toString('base64'), filename: 'logo.png', type: 'image/png', disposition: 'inline', contentId: 'logo' },
    ],
  });
  assert.equal(res.statusCode, 202);
  assert.equal(res.body, '');
  const id = res.headers['x-message-id'] as string;
  assert.match(id, /^msg_/);
  const stored = await tx.app.store.getMessage(tx.tenantId, id);
  assert.deepEqual(stored?.tags, ['receipt', 'de']);
  assert.deepEqual(stored?.metadata, { order: '42' });
  await tx.waitForStates(id, ['delivered']);

  const [m] = await sink.waitFor(1, 15_000, (x) => x.to.includes('ann@sg.test'));
  const mail = await m!.parse();
  assert.equal(mail.subject, 'Ihre Bestellung ✓ №42');
  assert.equal(mail.text?.trim(), 'Grüße, Ann ✓');
  assert.match(String(mail.html), /Grüße, <b>Ann<\/b> ✓/);
  assert.equal(mail.from?.value[0]?.name, 'Shöp');
  assert.equal(mail.replyTo?.value[0]?.address, 'help@sender.test');
  assert.equal(m!.header('x-order-ref'), 'A-42');
  assert.equal(m!.header('bcc'), undefined);
  const att = new Map(mail.attachments.map((a) => [a.filename, a]));
  assert.deepEqual(att.get('receipt.pdf')?.content, pdf);
  assert.deepEqual(att.get('logo.png')?.content, png);
  assert.equal(att.get('logo.png')?.contentId, '<logo>');
  const all = sink.messages.filter((x) => x.header('message-id') === stored?.messageIdHeader).flatMap((x) => x.to).sort();
  assert.deepEqual(all, ['ann@sg.test', 'carl@sg.test', 'hidden@sg.test']);
});

test('personalizations: one message each, all in one commit, each rendering its own template data', async () => {
  const tpl = await tx.post('/v1/templates', {
    name: 'sg-welcome',
    subject: 'Welcome {{name}}',
    html: '<p>Hi {{name}}</p>{{#if coupon}}<p>Code: {{coupon}}</p>{{/if}}<ul>{{#each items}}<li>{{this}}</li>{{/each}}</ul>',
  });
  assert.equal(tpl.status, 201, JSON.stringify(tpl.body));
  const [res] = await sgMail.send({
    from: 'shop@sender.test',
    templateId: tpl.body.id as string,
    personalizations: [
      { to: 'p1@sg.test', dynamicTemplateData: { name: 'Pia', coupon: 'PIA10', items: ['tea', 'cups'] } },
      { to: [{ email: 'p2@sg.test' }], cc: 'p2-boss@sg.test', dynamicTemplateData: { name: 'Paul', items: [] }, customArgs: { who: 'paul' } },
    ],
    customArgs: { campaign: 'welcome' },
  });
  assert.equal(res.statusCode, 202);
  const ids = String(res.headers['x-txmail-message-ids']).split(',');
  assert.equal(ids.length, 2);
  assert.equal(ids[0], res.headers['x-message-id']);
  const second = await tx.app.store.getMessage(tx.tenantId, ids[1]!);
  assert.deepEqual(second?.metadata, { campaign: 'welcome', who: 'paul' });
  await Promise.all(ids.map((id) => tx.waitForStates(id, ['delivered'])));
  // Delivered messages by recipient (p2 and p2-boss may share one SMTP transaction or not).
  const byRcpt = await receivedBy(['p1@sg.test', 'p2@sg.test', 'p2-boss@sg.test']);
  assert.equal(byRcpt.get('p1@sg.test')?.subject, 'Welcome Pia');
  assert.match(String(byRcpt.get('p1@sg.test')?.html), /Hi Pia<\/p><p>Code: PIA10<\/p><ul><li>tea<\/li><li>cups<\/li><\/ul>/);
  assert.equal(byRcpt.get('p2@sg.test')?.subject, 'Welcome Paul');
  assert.doesNotMatch(String(byRcpt.get('p2@sg.test')?.html), /Pia|Code/);
  assert.equal(byRcpt.get('p2-boss@sg.test')?.subject, 'Welcome Paul', 'the cc of the second personalization gets its rendering too');
});

test('legacy substitutions and sections replace per personalization; send_at schedules', async () => {
  const at = Math.floor(Date.now() / 1000) + 3600;
  const r = await post({
    from: { email: 'shop@sender.test' },
    subject: 'Hi -name- -greet-',
    content: [{ type: 'text/plain', value: 'Dear -name-, your code is %code%.' }],
    personalizations: [{ to: [{ email: 'subs@sg.test' }], substitutions: { '-name-': 'Zoë', '%code%': 7, '-greet-': '-formal-' }, send_at: at }],
    sections: { '-formal-': 'and welcome' },
    tracking_settings: { click_tracking: { enable: true }, open_tracking: { enable: false } },
  });
  assert.equal(r.status, 202, r.text);
  const m = await tx.app.store.getMessage(tx.tenantId, r.headers.get('x-message-id')!);
  assert.equal(m?.subject, 'Hi Zoë and welcome');
  assert.equal(m?.sendAt, at * 1000);
  assert.equal(m?.deliveries[0]?.state, 'queued');
  assert.ok(m && m.sendAt > Date.now(), 'scheduled, not sent now');
});

test('sandbox mode validates (templates included), answers 200 and stores nothing', async () => {
  const before = await queuedCount();
  const ok = await post({
    from: { email: 'shop@sender.test' },
    template_id: 'sg-welcome',
    personalizations: [{ to: [{ email: 'sandbox@sg.test' }], dynamic_template_data: { name: 'S' } }],
    mail_settings: { sandbox_mode: { enable: true } },
  });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.text, '');
  const bad = await post({ from: { email: 'shop@sender.test' }, template_id: 'nope', personalizations: [{ to: [{ email: 'x@sg.test' }] }], mail_settings: { sandbox_mode: { enable: true } } });
  assert.equal(bad.status, 400);
  assert.equal(await queuedCount(), before);
});

test('errors come in SendGrid’s shape: 401 for a wrong or missing key, 403 without the send scope, 400 with dotted fields', async () => {
  useKey('SG.aaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb');
  try {
    await assert.rejects(sgMail.send({ to: 'a@sg.test', from: 'shop@sender.test', subject: 's', text: 't' }), (e: Error & { code?: number; response?: { body?: unknown } }) => {
      assert.equal(e.code, 401);
      assert.deepEqual(e.response?.body, { errors: [{ message: 'The provided authorization grant is invalid, expired, or revoked', field: null, help: null }] });
      return true;
    });
  } finally {
    useKey(tx.key);
  }
  const none = await fetch(`${tx.url}/v3/mail/send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(none.status, 401);
  assert.deepEqual(await none.json(), { errors: [{ message: 'authorization required', field: null, help: null }] });
  const forbidden = await post({}, readKey);
  assert.equal(forbidden.status, 403);
  assert.deepEqual(JSON.parse(forbidden.text), { errors: [{ message: 'access forbidden', field: null, help: null }] });

  const invalid = await post({
    personalizations: [{ to: [{ email: 'not-an-address' }], cc: [{ email: 'dup@sg.test' }], bcc: [{ email: 'DUP@sg.test' }] }],
    content: [{ type: 'text/plain', value: '' }],
    subject: 'x',
  });
  assert.equal(invalid.status, 400);
  const fields = (JSON.parse(invalid.text) as { errors: Array<{ field: string | null; message: string; help: null }> }).errors;
  assert.deepEqual(fields.map((f) => f.field).sort(), ['content.0.value', 'from', 'personalizations.0', 'personalizations.0.to.0.email']);
  assert.ok(fields.every((f) => f.help === null && f.message.length > 0));
  const notJson = await fetch(`${tx.url}/v3/mail/send`, { method: 'POST', headers: { authorization: `Bearer ${tx.key}`, 'content-type': 'application/json' }, body: '{' });
  assert.equal(notJson.status, 400);
  assert.equal(((await notJson.json()) as { errors: unknown[] }).errors.length, 1);
});
