// Asynchronous bounces: every fixture through parseBounce (as LF text, CRLF text and a Buffer),
// the RFC 3464 ones also through parseDsn, plus the lenient corners of the DSN grammar.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DSN_FIXTURES, type BounceFixture } from '../../../test/fixtures/bounces/dsn.js';
import { LEGACY_FIXTURES } from '../../../test/fixtures/bounces/legacy.js';
import { parseBounce } from './bounce.js';
import { parseDsn } from './dsn.js';

const FIXTURES: readonly BounceFixture[] = [...DSN_FIXTURES, ...LEGACY_FIXTURES];
const variants = (raw: string): ReadonlyArray<readonly [string, string | Buffer]> => [
  ['LF', raw],
  ['CRLF', raw.replace(/\n/g, '\r\n')],
  ['Buffer', Buffer.from(raw.replace(/\n/g, '\r\n'), 'utf8')],
];

test('there are enough fixtures, covering each sender shape', () => {
  assert.ok(FIXTURES.length >= 10, `${FIXTURES.length} fixtures`);
  for (const who of ['gmail', 'exchange', 'yahoo', 'postfix', 'exim', 'qmail', 'sendmail']) {
    assert.ok(FIXTURES.some((f) => f.name.toLowerCase().includes(who)), who);
  }
});

for (const f of FIXTURES) {
  for (const [variant, raw] of variants(f.raw)) {
    test(`parseBounce: ${f.name} (${variant})`, () => {
      const b = parseBounce(raw);
      assert.ok(b, `${f.name}: not recognised`);
      assert.equal(b.format, f.format, `${f.name}: format`);
      assert.equal(b.reportingMta, f.reportingMta, `${f.name}: reporting MTA`);
      assert.equal(b.original?.messageId, f.messageId, `${f.name}: original Message-ID`);
      if (f.txmail) assert.deepEqual(b.original?.txmail, f.txmail, `${f.name}: X-Txmail headers`);
      const got = b.recipients.map((r) => ({
        recipient: r.recipient,
        action: r.action,
        status: r.status,
        class: r.classification?.class,
        reason: r.classification?.reason,
        ...(r.remoteMta !== undefined && { remoteMta: r.remoteMta }),
      }));
      assert.deepEqual(got, f.recipients, `${f.name}: recipients`);
    });
  }
}

for (const f of DSN_FIXTURES) {
  test(`parseDsn: ${f.name}`, () => {
    const d = parseDsn(f.raw);
    assert.ok(d, f.name);
    assert.deepEqual(
      d.recipients.map((r) => [r.finalRecipient, r.action, r.status]),
      f.recipients.map((r) => [r.recipient, r.action, r.status]),
      f.name,
    );
  });
}

test('parseDsn keeps the diagnostic type apart and decodes the original headers', () => {
  const gmail = DSN_FIXTURES[0];
  assert.ok(gmail);
  const d = parseDsn(gmail.raw);
  const r = d?.recipients[0];
  assert.equal(r?.diagnosticType, 'smtp');
  assert.match(r?.diagnosticCode ?? '', /^550-5\.1\.1 The email account that you tried to reach does not exist/);
  assert.equal(d?.arrivalDate, 'Mon, 15 Jan 2024 02:03:03 -0800 (PST)');
  assert.equal(d?.original?.subject, 'Your receipt — order 1042');
  assert.equal(d?.original?.to, 'jane.doe@example-corp.com');
  const postfix = parseDsn(DSN_FIXTURES.find((x) => x.name.startsWith('postfix: two'))?.raw ?? '');
  assert.equal(postfix?.recipients[0]?.originalRecipient, 'alice@example.org');
  assert.equal(postfix?.recipients[0]?.diagnosticCode, '550 5.1.1 <alice@example.org>: Recipient address rejected: User unknown in virtual mailbox table');
});

const report = (status: string, boundary = 'b'): string =>
  `From: MAILER-DAEMON@mx.example\nContent-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"\n\n--${boundary}\nContent-Type: text/plain\n\nx\n--${boundary}\nContent-Type: message/delivery-status\n\n${status}\n--${boundary}--\n`;

test('parseDsn infers a missing Action from Status and a missing Status from Action', () => {
  const d = parseDsn(report('Reporting-MTA: dns; mx.example\n\nFinal-Recipient: rfc822; a@example.org\nStatus: 4.2.2\n\nFinal-Recipient: rfc822; b@example.org\nAction: failed\n'));
  assert.deepEqual(
    d?.recipients.map((r) => [r.finalRecipient, r.action, r.status]),
    [
      ['a@example.org', 'delayed', '4.2.2'],
      ['b@example.org', 'failed', '5.0.0'],
    ],
  );
});

test('parseDsn tolerates a missing separator after the per-message fields and status comments', () => {
  const d = parseDsn(
    report('Reporting-MTA: dns; mx.example\nOriginal-Envelope-Id: dlv_42\nFinal-Recipient: rfc822;<c@example.org>\nAction: Failed\nStatus: 5.1.1 (bad destination mailbox address)\n'),
  );
  assert.equal(d?.envelopeId, 'dlv_42');
  assert.deepEqual(d?.recipients, [{ finalRecipient: 'c@example.org', action: 'failed', status: '5.1.1' }]);
});

test('a delivered recipient is reported but not classified', () => {
  const b = parseBounce(report('Reporting-MTA: dns; mx.example\n\nFinal-Recipient: rfc822; d@example.org\nAction: relayed\nStatus: 2.0.0\n'));
  assert.deepEqual(b?.recipients, [{ recipient: 'd@example.org', action: 'relayed', status: '2.0.0' }]);
});

test('a delayed recipient is never hard, even with a 5.x.x status', () => {
  const b = parseBounce(report('Reporting-MTA: dns; mx.example\n\nFinal-Recipient: rfc822; e@example.org\nAction: delayed\nStatus: 5.1.1\n'));
  assert.deepEqual(b?.recipients[0]?.classification, { class: 'soft', reason: 'user_unknown' });
});

test('a Diagnostic-Code without a type keeps its whole text', () => {
  const d = parseDsn(report('Final-Recipient: rfc822; h@example.org\nAction: failed\nStatus: 5.1.10\nDiagnostic-Code: 550 5.1.10 RESOLVER.ADR.RecipientNotFound; not found\n'));
  assert.equal(d?.recipients[0]?.diagnosticType, undefined);
  assert.equal(d?.recipients[0]?.diagnosticCode, '550 5.1.10 RESOLVER.ADR.RecipientNotFound; not found');
});

test('an IP address in a diagnostic is not taken for a status code', () => {
  const d = parseDsn(report('Final-Recipient: rfc822; f@example.org\nAction: failed\nDiagnostic-Code: X-Local; 203.0.113.5 refused the connection\n'));
  assert.equal(d?.recipients[0]?.status, '5.0.0');
});

test('messages that are not bounces give undefined', () => {
  const plain = 'From: alice@example.org\nTo: bob@example.org\nSubject: hi\n\nHello there.\n';
  assert.equal(parseDsn(plain), undefined);
  assert.equal(parseBounce(plain), undefined);
  assert.equal(parseBounce(''), undefined);
  assert.equal(parseDsn(report('Reporting-MTA: dns; mx.example\n')), undefined, 'a report with no recipient');
});

test('X-Failed-Recipients with an SMTP reply in the text is the last resort', () => {
  const raw =
    'From: Mail Delivery System <Mailer-Daemon@mx.example>\nX-Failed-Recipients: g@example.org\nSubject: Undeliverable\n\n' +
    'Delivery to g@example.org failed:\n  remote said: 550 5.1.1 <g@example.org>: user unknown\n';
  const b = parseBounce(raw);
  assert.equal(b?.format, 'x-failed-recipients');
  assert.deepEqual(b?.recipients[0]?.classification, { class: 'hard', reason: 'user_unknown' });
  assert.equal(b?.recipients[0]?.status, '5.1.1');
});
