import assert from 'node:assert/strict';
import { createPublicKey, verify as ecVerify } from 'node:crypto';
import { test } from 'node:test';
import { createRequire } from 'node:module';
import type { StoredEvent } from '../events/types.js';
import { afterFailure, retryDelayMs, retryOffsets } from './backoff.js';
import { parseWebhookCreate, parseWebhookPatch } from './endpoint.js';
import { nativeBody, sendgridBody, sendgridEvent } from './payload.js';
import { newSendgridKeyPair, newWebhookSecret, signatureHeaders, signNative, signSendgrid, verifyNative } from './sign.js';
import { TxError } from '../errors.js';

const T = Date.UTC(2025, 0, 2, 3, 4, 5);
const meta = { id: 'msg_1', messageIdHeader: '<msg_1@h>', tags: ['receipt', 'eu'], metadata: { order: '42', event: 'spoof' } };
const ev = (over: Partial<StoredEvent> & Pick<StoredEvent, 'type' | 'data'>): StoredEvent =>
  ({ id: '7', tenantId: 't', cursor: '7', messageId: 'msg_1', deliveryId: 'msg_1.0', recipient: 'a@x.test', at: T, ...over }) as StoredEvent;

test('the retry schedule doubles to the cap and ends 24 h after the first failure', () => {
  const policy = { firstDelayMs: 5000, maxDelayMs: 3_600_000, maxAgeMs: 86_400_000 };
  assert.deepEqual([1, 2, 3, 4, 10, 11, 30].map((n) => retryDelayMs(policy, n)), [5000, 10000, 20000, 40000, 2_560_000, 3_600_000, 3_600_000]);
  const offsets = retryOffsets(policy);
  assert.deepEqual(offsets.slice(0, 5), [0, 5000, 15000, 35000, 75000]);
  assert.equal(offsets[offsets.length - 1], 86_400_000, 'the last retry is exactly at the 24 h mark');
  assert.ok(offsets.every((o, i) => i === 0 || o > offsets[i - 1]!));
  const last = afterFailure(policy, { failures: offsets.length - 1, firstFailureAt: 0 }, 86_400_000, 'HTTP 500');
  assert.equal(last.kind, 'disable');
  assert.match(last.kind === 'disable' ? last.reason : '', /HTTP 500/);
  const jittered = afterFailure(policy, { failures: 0, firstFailureAt: null }, 1000, 'x', 1);
  assert.deepEqual(jittered, { kind: 'retry', at: 1000 + 6000, failures: 1, firstFailureAt: 1000 });
});

test('native signatures verify, and fail on another body, secret or an old timestamp', () => {
  const secret = newWebhookSecret();
  const body = '{"events":[{"id":"1"}]}';
  const header = signNative(secret, 1_700_000_000, body);
  assert.match(header, /^t=1700000000,v1=[0-9a-f]{64}$/);
  assert.equal(verifyNative(secret, header, body, 1_700_000_100), true);
  assert.equal(verifyNative(secret, header, body + ' ', 1_700_000_100), false);
  assert.equal(verifyNative(newWebhookSecret(), header, body, 1_700_000_100), false);
  assert.equal(verifyNative(secret, header, body, 1_700_000_000 + 301), false, 'outside the tolerance');
  assert.equal(verifyNative(secret, header.replace('t=1700000000', 't=1700000001'), body, 1_700_000_000), false, 'the timestamp is signed');
  assert.equal(verifyNative(secret, 'garbage', body, 1_700_000_000), false);
});

test('SendGrid signatures are ECDSA P-256 over timestamp + body, checked by @sendgrid/eventwebhook', () => {
  const { privateKeyPem, publicKey } = newSendgridKeyPair();
  assert.match(publicKey, /^MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE/, 'base64 SPKI of a prime256v1 key, as SendGrid shows it');
  const body = sendgridBody([{ event: ev({ type: 'delivered', data: { reply: '250 ok ✓', mx: 'mx', tls: true, attempt: 1 } }), meta }]);
  const sig = signSendgrid(privateKeyPem, 1_600_112_502, body);
  const spki = createPublicKey({ key: Buffer.from(publicKey, 'base64'), format: 'der', type: 'spki' });
  assert.ok(ecVerify('sha256', Buffer.from(`1600112502${body}`), spki, Buffer.from(sig, 'base64')));
  const require = createRequire(import.meta.url);
  const { EventWebhook } = require('@sendgrid/eventwebhook') as typeof import('@sendgrid/eventwebhook');
  const ew = new EventWebhook();
  const key = ew.convertPublicKeyToECDSA(publicKey);
  assert.equal(ew.verifySignature(key, body, sig, '1600112502'), true);
  assert.equal(ew.verifySignature(key, body.replace('250', '251'), sig, '1600112502'), false);
  const headers = signatureHeaders('sendgrid', privateKeyPem, 1_600_112_502, body);
  assert.equal(headers['X-Twilio-Email-Event-Webhook-Timestamp'], '1600112502');
  assert.equal(ew.verifySignature(key, body, headers['X-Twilio-Email-Event-Webhook-Signature']!, '1600112502'), true);
});

test('native bodies carry the event, its message tags and metadata, in feed order', () => {
  const body = JSON.parse(
    nativeBody('wh_1', [
      { event: ev({ type: 'queued', data: {} }), meta },
      { event: ev({ id: '8', type: 'clicked', data: { url: 'https://x.test/', user_agent: 'UA', ip: '1.2.3.4', machine: false, unique: true } }), meta: undefined },
    ]),
  ) as { webhook_id: string; events: Array<Record<string, unknown>> };
  assert.equal(body.webhook_id, 'wh_1');
  assert.deepEqual(body.events[0], {
    id: '7',
    type: 'queued',
    at: new Date(T).toISOString(),
    timestamp: Math.floor(T / 1000),
    message_id: 'msg_1',
    delivery_id: 'msg_1.0',
    recipient: 'a@x.test',
    message_id_header: '<msg_1@h>',
    tags: ['receipt', 'eu'],
    metadata: { order: '42', event: 'spoof' },
    data: {},
  });
  assert.equal(body.events[1]!['id'], '8');
  assert.deepEqual(body.events[1]!['tags'], []);
});

test('SendGrid events use SendGrid’s names and fields; metadata never overrides them', () => {
  const bounce = sendgridEvent({
    event: ev({ type: 'bounced', data: { reply: '550 5.1.1 <a@x.test>: user unknown', attempt: 1, class: 'hard', reason: 'user_unknown', source: 'smtp' } }),
    meta,
  });
  assert.deepEqual(bounce, {
    order: '42',
    email: 'a@x.test',
    timestamp: Math.floor(T / 1000),
    'smtp-id': '<msg_1@h>',
    event: 'bounce',
    category: ['receipt', 'eu'],
    sg_event_id: '7',
    sg_message_id: 'msg_1.0',
    type: 'bounce',
    reason: '550 5.1.1 <a@x.test>: user unknown',
    status: '5.1.1',
    bounce_classification: 'Invalid Address',
  });
  const names = (['queued', 'delivered', 'deferred', 'dropped', 'opened', 'clicked', 'complained', 'unsubscribed'] as const).map(
    (type) => sendgridEvent({ event: ev({ type, data: { reply: '451 later', attempt: 2, reason: 'suppressed:hard_bounce', tls: false, mx: 'm', next_attempt_at: 0 } as never }), meta })['event'],
  );
  assert.deepEqual(names, ['processed', 'delivered', 'deferred', 'dropped', 'open', 'click', 'spamreport', 'unsubscribe']);
  const soft = sendgridEvent({ event: ev({ type: 'bounced', data: { reply: '554 spam', attempt: 1, class: 'soft', reason: 'spam_detected', source: 'smtp' } }), meta });
  assert.equal(soft['type'], 'blocked');
  const open = sendgridEvent({ event: ev({ type: 'opened', data: { user_agent: 'Mozilla/5.0', ip: '17.1.2.3', machine: true, unique: false } }), meta });
  assert.equal(open['sg_machine_open'], true);
  assert.equal(open['useragent'], 'Mozilla/5.0');
  const drop = sendgridEvent({ event: ev({ type: 'dropped', data: { reason: 'suppressed:hard_bounce' } }), meta });
  assert.equal(drop['reason'], 'Bounced Address');
});

test('webhook settings: defaults, every bad field reported, patches only what is given', () => {
  const w = parseWebhookCreate({ url: 'https://Hooks.Example.com/x?y=1' }, 1000);
  assert.deepEqual(w, { url: 'https://hooks.example.com/x?y=1', eventTypes: [...w.eventTypes], format: 'native', batchSize: 100, description: '', enabled: true });
  assert.equal(w.eventTypes.length, 12, 'every event type, operator actions (held, released, retried) included');
  try {
    parseWebhookCreate({ url: 'ftp://x', events: ['delivered', 'nope'], format: 'xml', batch_size: 1001, colour: 1 }, 1000);
    assert.fail('expected a validation error');
  } catch (e) {
    assert.ok(e instanceof TxError);
    assert.deepEqual(e.fields.map((f) => f.path).sort(), ['batch_size', 'colour', 'events[1]', 'format', 'url']);
  }
  assert.throws(() => parseWebhookCreate({ url: 'https://x.test/#frag' }, 1000), /fragment/);
  assert.throws(() => parseWebhookCreate({}, 1000), /url: is required/);
  assert.deepEqual(parseWebhookPatch({ enabled: true, events: ['opened', 'opened'] }, 1000), { enabled: true, eventTypes: ['opened'] });
  assert.throws(() => parseWebhookPatch({ format: 'sendgrid' }, 1000), /cannot change/);
});
