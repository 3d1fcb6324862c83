// SendGrid's switches through @sendgrid/mail: each is honoured as SendGrid documents it
// (checked at the sink: links left alone or rewritten, pixel or none, footer, utm parameters)
// or refused with SendGrid's error naming the field; sandbox mode runs every send check.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client } from '@sendgrid/client';
import sgMail from '@sendgrid/mail';
import { FROM, HTML, RESET, TEXT, hrefs, startSwitchesEnv, type SwitchesEnv } from '../support/compat-switches.js';

let env: SwitchesEnv;

before(async () => {
  env = await startSwitchesEnv();
  const client = new Client();
  client.setApiKey(env.tx.key);
  client.setDefaultRequest('baseUrl', `${env.tx.url}/`);
  sgMail.setClient(client);
});
after(() => env.close());

type SgError = Error & { code?: number; response?: { body?: { errors?: Array<{ field: string | null; message: string }> } } };

test('SendGrid: tracking off per message wins over the tenant: the reset link arrives as written, no pixel', async () => {
  await sgMail.send({
    to: 'reset@sg.test',
    from: FROM,
    subject: 'Reset',
    text: TEXT,
    html: HTML,
    trackingSettings: { clickTracking: { enable: false, enableText: false }, openTracking: { enable: false } },
  });
  const { mail } = await env.arrived('reset@sg.test');
  assert.deepEqual(hrefs(mail.html as string), [RESET]);
  assert.equal(env.hasPixel(mail.html as string), false);
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
  const { mail } = await env.arrived('tracked@sg.test');
  const links = hrefs(mail.html as string);
  assert.equal(links.length, 1);
  assert.ok(env.tracked(links[0]!), links[0]);
  assert.ok(env.hasPixel(mail.html as string));
  assert.ok(!mail.text!.includes(RESET), mail.text);
  assert.match(mail.text!, new RegExp(`Reset your password: ${env.publicUrl}/t/c/\\S+`));
  // Clicking the text link leads to the reset page.
  const textLink = /http:\/\/\S+/.exec(mail.text!)![0];
  const res = await fetch(textLink, { redirect: 'manual' });
  assert.equal(res.headers.get('location'), RESET);
});

test('SendGrid: open_tracking.substitution_tag puts the pixel where the tag stands; with opens off the tag is removed', async () => {
  const html = '<html><body><p>Hello</p>%open%<p>Bye</p></body></html>';
  await sgMail.send({ to: 'tag@sg.test', from: FROM, subject: 'T', html, trackingSettings: { openTracking: { enable: true, substitutionTag: '%open%' } } });
  const tagged = (await env.arrived('tag@sg.test')).mail.html as string;
  assert.match(tagged, new RegExp(`<p>Hello</p><img src="${env.publicUrl}/t/o/[^"]+"[^>]*/><p>Bye</p></body>`));
  await sgMail.send({ to: 'tag-off@sg.test', from: FROM, subject: 'T', html, trackingSettings: { openTracking: { enable: false, substitutionTag: '%open%' } } });
  const off = (await env.arrived('tag-off@sg.test')).mail.html as string;
  assert.match(off, /<p>Hello<\/p><p>Bye<\/p><\/body>/);
  assert.equal(env.hasPixel(off), false);
});

test('SendGrid: switches txmail cannot honour are refused with SendGrid errors naming them; nothing is stored', async () => {
  const before = await env.queued();
  const base = { to: 'refused@sg.test', from: FROM, subject: 's', text: 't' };
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ asm: { groupId: 12, groupsToDisplay: [12, 13] } }, 'asm'],
    [{ ipPoolName: 'transactional' }, 'ip_pool_name'],
    [{ batchId: 'YOUR_BATCH_ID' }, 'batch_id'],
    [{ trackingSettings: { subscriptionTracking: { enable: true } } }, 'tracking_settings.subscription_tracking.enable'],
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
  assert.equal(await env.queued(), before + 1);
});

test('SendGrid: On-Behalf-Of (a subuser) is refused rather than sent from the key’s own account', async () => {
  const client = new Client();
  client.setApiKey(env.tx.key);
  client.setDefaultRequest('baseUrl', `${env.tx.url}/`);
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
  const { mail } = await env.arrived('footer@sg.test');
  assert.equal(mail.text?.trim(), 'Body\n\nShop Ltd, 1 Main St');
  assert.match(mail.html as string, /<p>Body<\/p><p class="footer">Shop Ltd, 1 Main St<\/p><\/body>/);
  await sgMail.send({ to: 'nofooter@sg.test', from: FROM, subject: 'F', text: 'Body', mailSettings: { footer: { enable: false, ...footer } } });
  assert.equal((await env.arrived('nofooter@sg.test')).mail.text?.trim(), 'Body');
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
  const { mail } = await env.arrived('utm@sg.test');
  const expected = `${RESET}&utm_source=txmail&utm_medium=email&utm_campaign=reset`;
  assert.deepEqual(hrefs(mail.html as string), [expected]);
  assert.equal(mail.text?.trim(), `Reset your password: ${expected}`);
  // With click tracking on, the tracked link leads to the link with its parameters.
  await sgMail.send({ to: 'utm-tracked@sg.test', from: FROM, subject: 'U', html: HTML, trackingSettings: { ganalytics: { enable: true, utmSource: 'txmail' } } });
  const link = hrefs((await env.arrived('utm-tracked@sg.test')).mail.html as string)[0]!;
  assert.ok(env.tracked(link), link);
  assert.equal((await fetch(link, { redirect: 'manual' })).headers.get('location'), `${RESET}&utm_source=txmail`);
});

test('SendGrid sandbox mode runs the send checks: a sender outside the account fails as it would for real', async () => {
  const before = await env.queued();
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
  assert.equal(await env.queued(), before, 'the sandbox stores nothing');
});
