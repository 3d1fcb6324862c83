// The SES v2 API as @aws-sdk/client-sesv2 speaks it, changed only in its endpoint, signing with
// the credentials txmail derives from an API key: Simple, Raw and Template content arrive at a
// loopback sink intact; wrong credentials and bad signatures get AWS's errors.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SESv2Client, SendEmailCommand, type SendEmailCommandInput } from '@aws-sdk/client-sesv2';
import type { ParsedMail } from 'mailparser';
import { mintApiKey } from '../../src/ingress/auth.js';
import { startSink, type Sink } from '../support/sink.js';
import { sinkRoute, startTxmail, type Harness } from '../support/harness.js';

let sink: Sink;
let tx: Harness;
let creds: { accessKeyId: string; secretAccessKey: string };
let readCreds: { accessKeyId: string; secretAccessKey: string };


async function credentialsOf(key: string): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  const r = await tx.get('/v1/ses-credentials', { authorization: `Bearer ${key}` });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return { accessKeyId: r.body.access_key_id as string, secretAccessKey: r.body.secret_access_key as string };
}

before(async () => {
  sink = await startSink({ tls: 'none' });
  tx = await startTxmail({ 'delivery.routes': [sinkRoute(sink.port)] });
  creds = await credentialsOf(tx.key);
  const { key, record } = mintApiKey(tx.tenantId, 'reader', ['read'], Date.now());
  await tx.app.store.createApiKey(record);
  readCreds = await credentialsOf(key);
});
after(async () => {
  await tx.close();
  await sink.close();
});

/** The one change an SES user makes: the endpoint (and credentials that are txmail's). */
function client(c = creds): SESv2Client {
  return new SESv2Client({ region: 'eu-west-1', endpoint: tx.url, credentials: c, maxAttempts: 1 });
}

async function send(input: SendEmailCommandInput, c = creds): Promise<string> {
  const out = await client(c).send(new SendEmailCommand(input));
  assert.match(out.MessageId ?? '', /^msg_/);
  return out.MessageId!;
}

async function delivered(id: string, rcpt: string): Promise<{ mail: ParsedMail; header: (n: string) => string | undefined }> {
  await tx.waitForStates(id, ['delivered']);
  const [m] = await sink.waitFor(1, 15_000, (x) => x.to.includes(rcpt));
  return { mail: await m!.parse(), header: (n) => m!.header(n) };
}

test('Simple content with headers, attachments and reply-to arrives intact; EmailTags become metadata', async () => {
  const pdf = Buffer.from('%PDF-1.4 ✓');
  const id = await send({
    FromEmailAddress: '"Shöp" <shop@sender.test>',
    Destination: { ToAddresses: ['Ann <ann@ses.test>'], CcAddresses: ['carl@ses.test'], BccAddresses: ['hidden@ses.test'] },
    ReplyToAddresses: ['help@sender.test'],
    Content: {
      Simple: {
        Subject: { Data: 'Ihre Bestellung ✓ №42', Charset: 'UTF-8' },
        Body: { Text: { Data: 'Grüße ✓' }, Html: { Data: '<p>Grüße <b>✓</b></p>' } },
        Headers: [{ Name: 'X-Order-Ref', Value: 'A-42' }],
        Attachments: [{ FileName: 'receipt.pdf', RawContent: pdf, ContentType: 'application/pdf', ContentDisposition: 'ATTACHMENT' }],
      },
    },
    EmailTags: [{ Name: 'type', Value: 'receipt' }],
    ConfigurationSetName: 'tx',
  });
  const stored = await tx.app.store.getMessage(tx.tenantId, id);
  assert.deepEqual(stored?.metadata, { type: 'receipt', 'ses:configuration-set': 'tx' });
  const { mail, header } = await delivered(id, 'ann@ses.test');
  assert.equal(mail.subject, 'Ihre Bestellung ✓ №42');
  assert.equal(mail.text?.trim(), 'Grüße ✓');
  assert.match(String(mail.html), /Grüße <b>✓<\/b>/);
  assert.equal(mail.from?.value[0]?.name, 'Shöp');
  assert.equal(mail.replyTo?.value[0]?.address, 'help@sender.test');
  assert.equal(header('x-order-ref'), 'A-42');
  assert.equal(header('bcc'), undefined);
  assert.deepEqual(mail.attachments[0]?.content, pdf);
  assert.deepEqual(stored?.deliveries.map((d) => d.recipient).sort(), ['ann@ses.test', 'carl@ses.test', 'hidden@ses.test']);
});

test('Raw content: the message as given, recipients from its headers, X-Txmail headers and Bcc taken out', async () => {
  const raw = [
    'From: Shop <shop@sender.test>',
    'To: raw1@ses.test',
    'Bcc: raw-hidden@ses.test',
    'Subject: =?UTF-8?B?UmF3IOKckw==?=',
    'X-Txmail-Tags: raw, ses',
    'X-Custom: kept',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    'Raw body ✓',
    '',
  ].join('\n');
  const id = await send({ Content: { Raw: { Data: Buffer.from(raw) } } });
  const stored = await tx.app.store.getMessage(tx.tenantId, id);
  assert.deepEqual(stored?.tags, ['raw', 'ses']);
  assert.deepEqual(stored?.deliveries.map((d) => d.recipient).sort(), ['raw-hidden@ses.test', 'raw1@ses.test']);
  assert.equal(stored?.envelopeFrom, 'shop@sender.test');
  const { mail, header } = await delivered(id, 'raw1@ses.test');
  assert.equal(mail.subject, 'Raw ✓');
  assert.equal(mail.text?.trim(), 'Raw body ✓');
  assert.equal(header('x-custom'), 'kept');
  assert.equal(header('x-txmail-tags'), undefined);
  assert.equal(header('bcc'), undefined);
  assert.equal(header('message-id'), stored?.messageIdHeader, 'a Message-ID was added');
});

test('Template content renders a stored template named by TemplateName', async () => {
  const tpl = await tx.post('/v1/templates', { name: 'ses-receipt', subject: 'Total {{total}}', html: '<p>Hi {{name}}, total {{total}}</p>', text: 'Hi {{name}}' });
  assert.equal(tpl.status, 201);
  const id = await send({
    FromEmailAddress: 'shop@sender.test',
    Destination: { ToAddresses: ['tpl@ses.test'] },
    Content: { Template: { TemplateName: 'ses-receipt', TemplateData: JSON.stringify({ name: 'Ünal', total: '€ 9' }) } },
  });
  const { mail } = await delivered(id, 'tpl@ses.test');
  assert.equal(mail.subject, 'Total € 9');
  assert.equal(mail.text?.trim(), 'Hi Ünal');
  assert.match(String(mail.html), /Hi Ünal, total € 9/);
  await assert.rejects(
    send({ FromEmailAddress: 'shop@sender.test', Destination: { ToAddresses: ['x@ses.test'] }, Content: { Template: { TemplateName: 'nope', TemplateData: '{}' } } }),
    (e: Error & { $metadata?: { httpStatusCode?: number } }) => e.name === 'NotFoundException' && e.$metadata?.httpStatusCode === 404,
  );
});

test('wrong credentials and bad signatures are refused the AWS way; a refused request stores nothing', async () => {
  const events = (await tx.get('/v1/events?limit=1000')).body.events as unknown[];
  const input: SendEmailCommandInput = { FromEmailAddress: 'shop@sender.test', Destination: { ToAddresses: ['no@ses.test'] }, Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 't' } } } } };
  const fails = async (c: { accessKeyId: string; secretAccessKey: string }, name: string, status: number): Promise<void> => {
    await assert.rejects(client(c).send(new SendEmailCommand(input)), (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
      assert.equal(e.name, name, e.message);
      assert.equal(e.$metadata?.httpStatusCode, status);
      return true;
    });
  };
  await fails({ ...creds, secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }, 'InvalidSignatureException', 403);
  await fails({ ...creds, accessKeyId: 'AKTXAAAAAAAAAAAAAAAA' }, 'UnrecognizedClientException', 403);
  await fails({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: creds.secretAccessKey }, 'UnrecognizedClientException', 403);
  await fails(readCreds, 'AccessDeniedException', 403);

  // A signature captured from a real request does not carry another body.
  const body = JSON.stringify(input);
  const signed = new SESv2Client({ region: 'eu-west-1', endpoint: tx.url, credentials: creds, maxAttempts: 1 });
  let captured: Record<string, string> = {};
  signed.middlewareStack.add(
    () => async (args) => {
      captured = { ...(args.request as { headers: Record<string, string> }).headers };
      throw new Error('captured');
    },
    { step: 'finalizeRequest', priority: 'low', name: 'capture' },
  );
  await assert.rejects(signed.send(new SendEmailCommand(input)), /captured/);
  const tampered = body.replace('no@ses.test', 'evil@ses.test');
  const { host: _h, 'content-length': _l, ...headers } = captured;
  const res = await fetch(`${tx.url}/v2/email/outbound-emails`, { method: 'POST', headers, body: tampered });
  assert.equal(res.status, 403);
  assert.equal(res.headers.get('x-amzn-errortype'), 'InvalidSignatureException');
  assert.match(((await res.json()) as { message: string }).message, /x-amz-content-sha256|signature/i);
  const unsigned = await fetch(`${tx.url}/v2/email/outbound-emails`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  assert.equal(unsigned.status, 403);
  assert.equal(unsigned.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
  assert.equal(((await tx.get('/v1/events?limit=1000')).body.events as unknown[]).length, events.length);
});

test('invalid requests get BadRequestException naming the field', async () => {
  await assert.rejects(
    send({ FromEmailAddress: 'not an address', Destination: { ToAddresses: ['a@ses.test'] }, Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 't' } } } } }),
    (e: Error & { $metadata?: { httpStatusCode?: number } }) => e.name === 'BadRequestException' && e.$metadata?.httpStatusCode === 400 && /FromEmailAddress/.test(e.message),
  );
  await assert.rejects(
    send({ FromEmailAddress: 'shop@sender.test', Destination: { ToAddresses: ['a@ses.test'] }, Content: {} }),
    (e: Error) => e.name === 'BadRequestException' && /exactly one of Simple, Raw or Template/.test(e.message),
  );
});
