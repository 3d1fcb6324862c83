// The compatible APIs' switches through their official SDKs: each is honoured as the original
// API documents it (checked at the sink: links left alone or rewritten, pixel or none, bulk
// marking) or refused with that API's own error naming the field. The tenant here tracks
// opens and clicks by default, so a message that turns tracking off must win over it: a
// password-reset link must arrive exactly as written. Sending domains are enforced, so
// SendGrid's sandbox mode has a sender check to run.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SESv2Client, SendEmailCommand, type SendEmailCommandInput } from '@aws-sdk/client-sesv2';
import { Client } from '@sendgrid/client';
import sgMail from '@sendgrid/mail';
import type { ParsedMail } from 'mailparser';
import { Models, ServerClient } from 'postmark';
import { freePort } from '../support/process.js';
import { startSink, type ReceivedMessage, type Sink } from '../support/sink.js';
import { sinkRoute, startTxmail, type Harness } from '../support/harness.js';

let sink: Sink;
let tx: Harness;
let publicUrl = '';

const RESET = 'https://shop.test/reset?token=abc123&u=42';
const HTML = `<html><body><p>Reset your password:</p><a href="${RESET.replace(/&/g, '&amp;')}">reset</a></body></html>`;
const TEXT = `Reset your password: ${RESET}`;
const FROM = 'shop@shop.test';

before(async () => {
  sink = await startSink({ tls: 'none' });
  const port = await freePort();
  publicUrl = `http://127.0.0.1:${port}`;
  tx = await startTxmail({ 'http.port': port, public_url: publicUrl, 'delivery.routes': [sinkRoute(sink.port, '*', 'none')], 'domains.allow_unverified_senders': false });
  assert.equal((await tx.post('/v1/domains', { name: 'shop.test' })).status, 201);
  const on = await tx.call('PUT', '/v1/settings/tracking', { opens: true, clicks: true });
  assert.equal(on.status, 200, JSON.stringify(on.body));
  const client = new Client();
  client.setApiKey(tx.key);
  client.setDefaultRequest('baseUrl', `${tx.url}/`);
  sgMail.setClient(client);
});
after(async () => {
  await tx.close();
  await sink.close();
});

async function arrived(rcpt: string): Promise<{ m: ReceivedMessage; mail: ParsedMail }> {
  const [m] = await sink.waitFor(1, 15_000, (x) => x.to.includes(rcpt));
  return { m: m!, mail: await m!.parse() };
}

const hrefs = (html: string): string[] => [...html.matchAll(/href="([^"]*)"/g)].map((x) => x[1]!.replace(/&amp;/g, '&'));
const hasPixel = (html: string): boolean => html.includes(`<img src="${publicUrl}/t/o/`);
const tracked = (url: string): boolean => url.startsWith(`${publicUrl}/t/c/`);
const queued = async (): Promise<number> => ((await tx.get('/v1/events?limit=1000')).body.events as Array<{ type: string }>).filter((e) => e.type === 'queued').length;

type SgError = Error & { code?: number; response?: { body?: { errors?: Array<{ field: string | null; message: string }> } } };
type PmError = Error & { code?: number; statusCode?: number };

test('SendGrid: tracking off per message wins over the tenant: the reset link arrives as written, no pixel', async () => {
  await sgMail.send({
    to: 'reset@sg.test',
    from: FROM,
    subject: 'Reset',
    text: TEXT,
    html: HTML,
    trackingSettings: { clickTracking: { enable: false, enableText: false }, openTracking: { enable: false } },
  });
  const { mail } = await arrived('reset@sg.test');
  assert.deepEqual(hrefs(mail.html as string), [RESET]);
  assert.equal(hasPixel(mail.html as string), false);
  assert.equal(mail.text?.trim(), TEXT);
});

test('SendGrid: click tracking with enable_text rewrites HTML and text links; open tracking adds the pixel', async () => {
  await sgMail.send({
    to: 'tracked@sg.test',
    from: FROM,
    subject: 'Tracked',
    text: TEXT,
    html: HTML,
    trackingSettings: { clickTracking: { enable: true, enableText: true }, openTracking: { enable: true } },
  });
  const { mail } = await arrived('tracked@sg.test');
  const links = hrefs(mail.html as string);
  assert.equal(links.length, 1);
  assert.ok(tracked(links[0]!), links[0]);
  assert.ok(hasPixel(mail.html as string));
  assert.ok(!mail.text!.includes(RESET), mail.text);
  assert.match(mail.text!, new RegExp(`Reset your password: ${publicUrl}/t/c/\\S+`));
  // Clicking the text link leads to the reset page.
  const textLink = /http:\/\/\S+/.exec(mail.text!)![0];
  const res = await fetch(textLink, { redirect: 'manual' });
  assert.equal(res.headers.get('location'), RESET);
});

test('SendGrid: switches txmail cannot honour are refused with SendGrid errors naming them; nothing is stored', async () => {
  const before = await queued();
  const base = { to: 'refused@sg.test', from: FROM, subject: 's', text: 't' };
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ asm: { groupId: 12, groupsToDisplay: [12, 13] } }, 'asm'],
    [{ ipPoolName: 'transactional' }, 'ip_pool_name'],
    [{ batchId: 'YOUR_BATCH_ID' }, 'batch_id'],
    [{ trackingSettings: { subscriptionTracking: { enable: true } } }, 'tracking_settings.subscription_tracking.enable'],
    [{ trackingSettings: { openTracking: { enable: true, substitutionTag: '%open%' } } }, 'tracking_settings.open_tracking.substitution_tag'],
    [{ mailSettings: { bypassListManagement: { enable: true } } }, 'mail_settings.bypass_list_management.enable'],
  ];
  for (const [extra, field] of cases) {
    await assert.rejects(sgMail.send({ ...base, ...extra }), (e: SgError) => {
      assert.equal(e.code, 400, field);
      const errors = e.response?.body?.errors ?? [];
      assert.deepEqual(
        errors.map((x) => x.field),
        [field],
      );
      assert.match(errors[0]!.message, /not supported/);
      return true;
    });
  }
  // Switched off, the same features are simply not used: accepted.
  const [ok] = await sgMail.send({ ...base, to: 'off@sg.test', trackingSettings: { subscriptionTracking: { enable: false }, ganalytics: { enable: false } }, mailSettings: { bypassListManagement: { enable: false } } });
  assert.equal(ok.statusCode, 202);
  assert.equal(await queued(), before + 1);
});

test('SendGrid: On-Behalf-Of (a subuser) is refused rather than sent from the key’s own account', async () => {
  const client = new Client();
  client.setApiKey(tx.key);
  client.setDefaultRequest('baseUrl', `${tx.url}/`);
  client.setImpersonateSubuser('subuser-a');
  sgMail.setClient(client);
  try {
    await assert.rejects(sgMail.send({ to: 'obo@sg.test', from: FROM, subject: 's', text: 't' }), (e: SgError) => {
      assert.equal(e.code, 400);
      assert.deepEqual(
        e.response?.body?.errors?.map((x) => x.field),
        ['On-Behalf-Of'],
      );
      return true;
    });
  } finally {
    client.setImpersonateSubuser('');
  }
});

test('SendGrid: an enabled footer is added to the text and before </body>; a disabled one is not', async () => {
  const footer = { text: 'Shop Ltd, 1 Main St', html: '<p class="footer">Shop Ltd, 1 Main St</p>' };
  await sgMail.send({ to: 'footer@sg.test', from: FROM, subject: 'F', text: 'Body', html: '<html><body><p>Body</p></body></html>', mailSettings: { footer: { enable: true, ...footer } }, trackingSettings: { clickTracking: { enable: false }, openTracking: { enable: false } } });
  const { mail } = await arrived('footer@sg.test');
  assert.equal(mail.text?.trim(), 'Body\n\nShop Ltd, 1 Main St');
  assert.match(mail.html as string, /<p>Body<\/p><p class="footer">Shop Ltd, 1 Main St<\/p><\/body>/);
  await sgMail.send({ to: 'nofooter@sg.test', from: FROM, subject: 'F', text: 'Body', mailSettings: { footer: { enable: false, ...footer } } });
  assert.equal((await arrived('nofooter@sg.test')).mail.text?.trim(), 'Body');
});

test('SendGrid: ganalytics adds the campaign parameters to the web links of both parts, under click tracking', async () => {
  await sgMail.send({
    to: 'utm@sg.test',
    from: FROM,
    subject: 'U',
    text: TEXT,
    html: HTML,
    trackingSettings: { ganalytics: { enable: true, utmSource: 'txmail', utmMedium: 'email', utmCampaign: 'reset' }, clickTracking: { enable: false }, openTracking: { enable: false } },
  });
  const { mail } = await arrived('utm@sg.test');
  const expected = `${RESET}&utm_source=txmail&utm_medium=email&utm_campaign=reset`;
  assert.deepEqual(hrefs(mail.html as string), [expected]);
  assert.equal(mail.text?.trim(), `Reset your password: ${expected}`);
  // With click tracking on, the tracked link leads to the link with its parameters.
  await sgMail.send({ to: 'utm-tracked@sg.test', from: FROM, subject: 'U', html: HTML, trackingSettings: { ganalytics: { enable: true, utmSource: 'txmail' } } });
  const link = hrefs((await arrived('utm-tracked@sg.test')).mail.html as string)[0]!;
  assert.ok(tracked(link), link);
  assert.equal((await fetch(link, { redirect: 'manual' })).headers.get('location'), `${RESET}&utm_source=txmail`);
});

test('SendGrid sandbox mode runs the send checks: a sender outside the account fails as it would for real', async () => {
  const before = await queued();
  const sandbox = { mailSettings: { sandboxMode: { enable: true } } };
  const [ok] = await sgMail.send({ to: 'sandbox@sg.test', from: FROM, subject: 's', text: 't', ...sandbox });
  assert.equal(ok.statusCode, 200);
  const wrong = { to: 'sandbox@sg.test', from: 'shop@not-ours.test', subject: 's', text: 't' };
  const refusal = (e: SgError): boolean => {
    assert.equal(e.code, 403);
    assert.match(e.response?.body?.errors?.[0]?.message ?? '', /not-ours\.test/);
    return true;
  };
  await assert.rejects(sgMail.send({ ...wrong, ...sandbox }), refusal);
  await assert.rejects(sgMail.send(wrong), refusal);
  assert.equal(await queued(), before, 'the sandbox stores nothing');
});

function postmark(): ServerClient {
  return new ServerClient(tx.key, { requestHost: new URL(tx.url).host, useHttps: false, timeout: 60 });
}

test('Postmark: TrackOpens false and TrackLinks None leave the message as written', async () => {
  const r = await postmark().sendEmail({ From: FROM, To: 'reset@pm.test', Subject: 'Reset', HtmlBody: HTML, TextBody: TEXT, TrackOpens: false, TrackLinks: Models.LinkTrackingOptions.None, MessageStream: 'outbound' });
  assert.equal(r.ErrorCode, 0);
  const { m, mail } = await arrived('reset@pm.test');
  assert.deepEqual(hrefs(mail.html as string), [RESET]);
  assert.equal(hasPixel(mail.html as string), false);
  assert.equal(mail.text?.trim(), TEXT);
  assert.equal(m.header('precedence'), undefined, 'outbound is the transactional stream');
});

test('Postmark: TrackLinks TextOnly rewrites only the text part, HtmlOnly only the HTML; TrackOpens adds the pixel', async () => {
  await postmark().sendEmail({ From: FROM, To: 'textonly@pm.test', Subject: 'T', HtmlBody: HTML, TextBody: TEXT, TrackOpens: true, TrackLinks: Models.LinkTrackingOptions.TextOnly });
  const text = (await arrived('textonly@pm.test')).mail;
  assert.deepEqual(hrefs(text.html as string), [RESET]);
  assert.ok(hasPixel(text.html as string));
  assert.match(text.text!, new RegExp(`${publicUrl}/t/c/`));

  await postmark().sendEmail({ From: FROM, To: 'htmlonly@pm.test', Subject: 'H', HtmlBody: HTML, TextBody: TEXT, TrackOpens: false, TrackLinks: Models.LinkTrackingOptions.HtmlOnly });
  const html = (await arrived('htmlonly@pm.test')).mail;
  assert.ok(tracked(hrefs(html.html as string)[0]!));
  assert.equal(hasPixel(html.html as string), false);
  assert.equal(html.text?.trim(), TEXT);
});

test('Postmark: the broadcast stream sends as bulk mail; an unknown stream is refused with ErrorCode 1235', async () => {
  await postmark().sendEmail({ From: FROM, To: 'news@pm.test', Subject: 'News', TextBody: 'news', MessageStream: 'broadcast' });
  const { m } = await arrived('news@pm.test');
  assert.equal(m.header('precedence'), 'bulk');

  const before = await queued();
  await assert.rejects(postmark().sendEmail({ From: FROM, To: 'x@pm.test', Subject: 'x', TextBody: 'x', MessageStream: 'newsletters' }), (e: PmError) => {
    assert.deepEqual([e.code, e.statusCode], [1235, 422]);
    assert.match(e.message, /MessageStream.*newsletters/);
    return true;
  });
  // In a batch, the message on an unknown stream is refused in its place; the other is sent.
  const answers = await postmark().sendEmailBatch([
    { From: FROM, To: 'batch-ok@pm.test', Subject: 'x', TextBody: 'x' },
    { From: FROM, To: 'batch-bad@pm.test', Subject: 'x', TextBody: 'x', MessageStream: 'nope' },
  ]);
  assert.deepEqual(
    answers.map((a) => a.ErrorCode),
    [0, 1235],
  );
  assert.equal(await queued(), before + 1);
});

test('Postmark templates: InlineCss (on by default, as Postmark) writes <style> rules into style attributes; false keeps them', async () => {
  const tpl = await tx.post('/v1/templates', { name: 'pm-styled', subject: 'Hi {{name}}', html: '<html><head><style>p.x{color:#c00}</style></head><body><p class="x">Hi {{name}}</p></body></html>' });
  assert.equal(tpl.status, 201, JSON.stringify(tpl.body));
  await postmark().sendEmailWithTemplate({ From: FROM, To: 'inline@pm.test', TemplateAlias: 'pm-styled', TemplateModel: { name: 'Ann' }, TrackOpens: false, TrackLinks: Models.LinkTrackingOptions.None });
  const inlined = (await arrived('inline@pm.test')).mail.html as string;
  assert.match(inlined, /<p class="x" style="color: #c00;">Hi Ann<\/p>/);
  assert.doesNotMatch(inlined, /<style/);
  await postmark().sendEmailWithTemplate({ From: FROM, To: 'asis@pm.test', TemplateAlias: 'pm-styled', TemplateModel: { name: 'Bo' }, InlineCss: false, TrackOpens: false, TrackLinks: Models.LinkTrackingOptions.None });
  const asIs = (await arrived('asis@pm.test')).mail.html as string;
  assert.match(asIs, /<style>p\.x\{color:#c00\}<\/style>/);
  assert.match(asIs, /<p class="x">Hi Bo<\/p>/);
});

test('SES: fields for features txmail does not have are refused with BadRequestException naming them', async () => {
  const r = await tx.get('/v1/ses-credentials');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const client = new SESv2Client({
    region: 'eu-west-1',
    endpoint: tx.url,
    credentials: { accessKeyId: r.body.access_key_id as string, secretAccessKey: r.body.secret_access_key as string },
    maxAttempts: 1,
  });
  const base: SendEmailCommandInput = {
    FromEmailAddress: FROM,
    Destination: { ToAddresses: ['ses@ses.test'] },
    Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 't' } } } },
  };
  const before = await queued();
  const cases: Array<[Partial<SendEmailCommandInput>, string]> = [
    [{ FeedbackForwardingEmailAddress: 'feedback@shop.test' }, 'FeedbackForwardingEmailAddress'],
    [{ ListManagementOptions: { ContactListName: 'list', TopicName: 'news' } }, 'ListManagementOptions'],
    [{ TenantName: 'tenant-a' }, 'TenantName'],
  ];
  for (const [extra, field] of cases) {
    await assert.rejects(client.send(new SendEmailCommand({ ...base, ...extra })), (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
      assert.equal(e.name, 'BadRequestException', field);
      assert.equal(e.$metadata?.httpStatusCode, 400);
      assert.match(e.message, new RegExp(`${field} is not supported`));
      return true;
    });
  }
  assert.equal(await queued(), before);
  // The configuration set is kept as a tag, as SES reports it; the message is sent.
  const out = await client.send(new SendEmailCommand({ ...base, ConfigurationSetName: 'tx' }));
  const stored = await tx.app.store.getMessage(tx.tenantId, out.MessageId!);
  assert.equal(stored?.metadata['ses:configuration-set'], 'tx');
});
