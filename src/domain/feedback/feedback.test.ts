// VERP and mailto addresses, List-Unsubscribe values, and the listener's decisions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DSN_FIXTURES } from '../../../test/fixtures/bounces/dsn.js';
import { ARF_FIXTURES } from '../../../test/fixtures/bounces/arf.js';
import { parseArf } from '../bounce/arf.js';
import { parseBounce } from '../bounce/bounce.js';
import { bounceDecision, dataReply, isComplaint, rcptReply } from './inbound.js';
import { isBulk, isUnsubscribeClaim, listUnsubscribeFields, unsubscribeUrl, wantsListUnsubscribe } from './unsubscribe.js';
import { compactDeliveryId, expandDeliveryId, mailtoUnsubscribeAddress, parseFeedbackAddress, verpAddress, verpDeliveriesIn } from './verp.js';

const SECRET = 's3cret';
const ID = 'msg_01HM5X3QABCDEFGHJKMNPQRSTV.12';

test('a delivery id travels lower-cased in the local part and comes back intact', () => {
  assert.equal(compactDeliveryId(ID), '01hm5x3qabcdefghjkmnpqrstv-12');
  assert.equal(expandDeliveryId('01HM5X3QABCDEFGHJKMNPQRSTV-12'), ID);
  assert.equal(compactDeliveryId('msg_T0001.0'), undefined, 'not a txmail id');
  assert.equal(expandDeliveryId('01hm5x3q-12'), undefined);
});

test('VERP: b+<token>@bounce.<domain>, at most 64 octets of local part, verified whatever the case', () => {
  const a = verpAddress(SECRET, ID, 'bounce.acme.test')!;
  assert.match(a, /^b\+[a-z0-9-]+\.[a-z2-7]{16}@bounce\.acme\.test$/);
  assert.ok(a.indexOf('@') <= 64, `local part of ${a.indexOf('@')} octets`);
  assert.deepEqual(parseFeedbackAddress(SECRET, a, 'bounce'), { kind: 'bounce', deliveryId: ID });
  assert.deepEqual(parseFeedbackAddress(SECRET, a.toUpperCase(), 'bounce'), { kind: 'bounce', deliveryId: ID });
  const u = mailtoUnsubscribeAddress(SECRET, ID, 'bounce.acme.test')!;
  assert.deepEqual(parseFeedbackAddress(SECRET, u, 'bounce'), { kind: 'unsubscribe', deliveryId: ID });
  // A bounce token is not an unsubscribe token: the purposes differ.
  assert.equal(parseFeedbackAddress(SECRET, a.replace(/^b\+/, 'u+'), 'bounce').kind, 'bad_token');
});

test('the listener refuses tampered tokens, other domains and other local parts', () => {
  const a = verpAddress(SECRET, ID, 'bounce.acme.test')!;
  const other = verpAddress(SECRET, 'msg_01HM5X3QABCDEFGHJKMNPQRSTV.13', 'bounce.acme.test')!;
  const tampered = a.replace('-12.', '-13.');
  assert.equal(parseFeedbackAddress(SECRET, tampered, 'bounce').kind, 'bad_token');
  assert.equal(parseFeedbackAddress('other-secret', a, 'bounce').kind, 'bad_token');
  assert.equal(parseFeedbackAddress(SECRET, `${a.split('@')[0]}@acme.test`, 'bounce').kind, 'foreign', 'not on a bounce subdomain');
  assert.equal(parseFeedbackAddress(SECRET, 'postmaster@bounce.acme.test', 'bounce').kind, 'foreign');
  assert.equal(parseFeedbackAddress(SECRET, 'victim@example.org', 'bounce').kind, 'foreign', 'relay attempt');
  assert.equal(parseFeedbackAddress(SECRET, 'fbl@bounce.acme.test', 'bounce').kind, 'fbl');
  assert.notEqual(other, a);
  assert.equal(rcptReply({ kind: 'bad_token' }, tampered)?.code, 550);
  assert.match(rcptReply({ kind: 'foreign' }, 'victim@example.org')?.text ?? '', /relaying denied/);
  assert.equal(rcptReply({ kind: 'bounce', deliveryId: ID }, a), undefined);
});

test('valid VERP addresses are found anywhere in a report; forged ones are not', () => {
  const a = verpAddress(SECRET, ID, 'bounce.acme.test')!;
  const text = `Original-Mail-From: <${a}>\nReturn-Path: <b+01hm5x3qabcdefghjkmnpqrstv-13.aaaaaaaaaaaaaaaa@bounce.acme.test>`;
  assert.deepEqual(verpDeliveriesIn(SECRET, text), [ID]);
});

test('List-Unsubscribe: added on bulk messages or always when the tenant says so, never over the sender’s own', () => {
  assert.equal(isBulk('bulk'), true);
  assert.equal(isBulk(' List '), true);
  assert.equal(isBulk('first-class'), false);
  assert.equal(isBulk(undefined), false);
  assert.equal(wantsListUnsubscribe(undefined, true, false), true);
  assert.equal(wantsListUnsubscribe('bulk', false, false), false);
  assert.equal(wantsListUnsubscribe('always', false, false), true);
  assert.equal(wantsListUnsubscribe('always', true, true), false);
  const url = unsubscribeUrl('https://mail.acme.test/', 'abc.def');
  assert.equal(url, 'https://mail.acme.test/u/abc.def');
  assert.equal(
    listUnsubscribeFields(url, 'u+x.y@bounce.acme.test'),
    'List-Unsubscribe: <https://mail.acme.test/u/abc.def>,\r\n <mailto:u+x.y@bounce.acme.test?subject=unsubscribe>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n',
  );
  assert.equal(isUnsubscribeClaim({ t: 'ten', m: 'msg', d: 'msg.0', a: 'a@b' }), true);
  assert.equal(isUnsubscribeClaim({ t: 'ten', m: 'msg', d: 'msg.0' }), false);
});

test('a bounce decision takes our recipient’s entry, reports delays as delays, ignores successes', () => {
  const gmail = parseBounce(DSN_FIXTURES[0]!.raw)!;
  const d = bounceDecision(gmail, 'JANE.DOE@example-corp.com');
  assert.equal(d.kind, 'bounced');
  assert.deepEqual(d.kind === 'bounced' && [d.class, d.reason, d.status], ['hard', 'user_unknown', '5.1.1']);
  assert.match(d.kind === 'bounced' ? d.reply : '', /^550 5\.1\.1 The email account/);
  const delayed = parseBounce(
    'Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.test\n\nFinal-Recipient: rfc822; a@x.test\nAction: delayed\nStatus: 4.4.7\n--b--\n',
  )!;
  const dd = bounceDecision(delayed, 'a@x.test');
  assert.deepEqual(dd.kind === 'delayed' && [dd.reason, dd.status], ['expired', '4.4.7']);
  const ok = parseBounce(
    'Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.test\n\nFinal-Recipient: rfc822; a@x.test\nAction: delivered\nStatus: 2.0.0\n--b--\n',
  )!;
  assert.equal(bounceDecision(ok, 'a@x.test').kind, 'ignore');
});

test('complaints are abuse, fraud, virus and other reports; a data reply refuses only when nothing was recognised', () => {
  for (const f of ARF_FIXTURES) assert.equal(isComplaint(parseArf(f.raw)!), f.feedbackType !== 'not-spam' && f.feedbackType !== 'auth-failure', f.name);
  assert.equal(dataReply(['unrecognised']).code, 550);
  assert.equal(dataReply(['unrecognised', 'recorded']).code, 250);
  assert.equal(dataReply(['duplicate']).code, 250);
});
