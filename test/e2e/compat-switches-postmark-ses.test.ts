// Postmark's and SES's switches through their official SDKs: Postmark's TrackOpens, TrackLinks,
// MessageStream and InlineCss honoured (checked at the sink) or refused with Postmark's
// ErrorCode; SES fields for features txmail lacks refused with BadRequestException.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SESv2Client, SendEmailCommand, type SendEmailCommandInput } from '@aws-sdk/client-sesv2';
import { Models, ServerClient } from 'postmark';
import { FROM, HTML, RESET, TEXT, hrefs, startSwitchesEnv, type SwitchesEnv } from '../support/compat-switches.js';

let env: SwitchesEnv;

before(async () => {
  env = await startSwitchesEnv();
});
after(() => env.close());

type PmError = Error & { code?: number; statusCode?: number };

function postmark(): ServerClient {
  return new ServerClient(env.tx.key, { requestHost: new URL(env.tx.url).host, useHttps: false, timeout: 60 });
}

test('Postmark: TrackOpens false and TrackLinks None leave the message as written', async () => {
  const r = await postmark().sendEmail({ From: FROM, To: 'reset@pm.test', Subject: 'Reset', HtmlBody: HTML, TextBody: TEXT, TrackOpens: false, TrackLinks: Models.LinkTrackingOptions.None, MessageStream: 'outbound' });
  assert.equal(r.ErrorCode, 0);
  const { m, mail } = await env.arrived('reset@pm.test');
  assert.deepEqual(hrefs(mail.html as string), [RESET]);
  assert.equal(env.hasPixel(mail.html as string), false);
  assert.equal(mail.text?.trim(), TEXT);
  assert.equal(m.header('precedence'), undefined, 'outbound is the transactional stream');
});

test('Postmark: TrackLinks TextOnly rewrites only the text part, HtmlOnly only the HTML; TrackOpens adds the pixel', async () => {
  await postmark().sendEmail({ From: FROM, To: 'textonly@pm.test', Subject: 'T', HtmlBody: HTML, TextBody: TEXT, TrackOpens: true, TrackLinks: Models.LinkTrackingOptions.TextOnly });
  const text = (await env.arrived('textonly@pm.test')).mail;
  assert.deepEqual(hrefs(text.html as string), [RESET]);
  assert.ok(env.hasPixel(text.html as string));
  assert.match(text.text!, new RegExp(`${env.publicUrl}/t/c/`));

  await postmark().sendEmail({ From: FROM, To: 'htmlonly@pm.test', Subject: 'H', HtmlBody: HTML, TextBody: TEXT, TrackOpens: false, TrackLinks: Models.LinkTrackingOptions.HtmlOnly });
  const html = (await env.arrived('htmlonly@pm.test')).mail;
  assert.ok(env.tracked(hrefs(html.html as string)[0]!));
  assert.equal(env.hasPixel(html.html as string), false);
  assert.equal(html.text?.trim(), TEXT);
});

test('Postmark: the broadcast stream sends as bulk mail; an unknown stream is refused with ErrorCode 1235', async () => {
  await postmark().sendEmail({ From: FROM, To: 'news@pm.test', Subject: 'News', TextBody: 'news', MessageStream: 'broadcast' });
  const { m } = await env.arrived('news@pm.test');
  assert.equal(m.header('precedence'), 'bulk');

  const before = await env.queued();
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
  assert.equal(await env.queued(), before + 1);
});

test('Postmark templates: InlineCss (on by default, as Postmark) writes <style> rules into style attributes; false keeps them', async () => {
  const tpl = await env.tx.post('/v1/templates', { name: 'pm-styled', subject: 'Hi {{name}}', html: '<html><head><style>p.x{color:#c00}</style></head><body><p class="x">Hi {{name}}</p></body></html>' });
  assert.equal(tpl.status, 201, JSON.stringify(tpl.body));
  await postmark().sendEmailWithTemplate({ From: FROM, To: 'inline@pm.test', TemplateAlias: 'pm-styled', TemplateModel: { name: 'Ann' }, TrackOpens: false, TrackLinks: Models.LinkTrackingOptions.None });
  const inlined = (await env.arrived('inline@pm.test')).mail.html as string;
  assert.match(inlined, /<p class="x" style="color: #c00;">Hi Ann<\/p>/);
  assert.doesNotMatch(inlined, /<style/);
  await postmark().sendEmailWithTemplate({ From: FROM, To: 'asis@pm.test', TemplateAlias: 'pm-styled', TemplateModel: { name: 'Bo' }, InlineCss: false, TrackOpens: false, TrackLinks: Models.LinkTrackingOptions.None });
  const asIs = (await env.arrived('asis@pm.test')).mail.html as string;
  assert.match(asIs, /<style>p\.x\{color:#c00\}<\/style>/);
  assert.match(asIs, /<p class="x">Hi Bo<\/p>/);
});

test('SES: fields for features txmail does not have are refused with BadRequestException naming them', async () => {
  const r = await env.tx.get('/v1/ses-credentials');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const client = new SESv2Client({
    region: 'eu-west-1',
    endpoint: env.tx.url,
    credentials: { accessKeyId: r.body.access_key_id as string, secretAccessKey: r.body.secret_access_key as string },
    maxAttempts: 1,
  });
  const base: SendEmailCommandInput = {
    FromEmailAddress: FROM,
    Destination: { ToAddresses: ['ses@ses.test'] },
    Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 't' } } } },
  };
  const before = await env.queued();
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
  assert.equal(await env.queued(), before);
  // The configuration set is kept as a tag, as SES reports it; the message is sent.
  const out = await client.send(new SendEmailCommand({ ...base, ConfigurationSetName: 'tx' }));
  const stored = await env.tx.app.store.getMessage(env.tx.tenantId, out.MessageId!);
  assert.equal(stored?.metadata['ses:configuration-set'], 'tx');
});
