// The bounce corpus through the asynchronous path: every DSN and legacy bounce fixture (each of
// its recipients as a delivery of ours), every 5xx reply sample wrapped in an RFC 3464 report
// the way an MTA would write it, and the complaint fixtures, through FeedbackProcessor into a
// real SQLite store. The recorded class and reason must be the fixture's, a hard bounce (and
// only a hard bounce) suppresses, and the synchronous classifier's answers hold here too.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { ARF_FIXTURES } from '../../test/fixtures/bounces/arf.js';
import { DSN_FIXTURES } from '../../test/fixtures/bounces/dsn.js';
import { LEGACY_FIXTURES } from '../../test/fixtures/bounces/legacy.js';
import { REPLY_SAMPLES } from '../../test/fixtures/bounces/replies.js';
import { secretsLoader } from '../lib/secrets.js';
import { parseReply } from '../domain/smtp/reply.js';
import { newMessageId } from '../lib/ids.js';
import { deliveredOutcome, message } from '../store/conformance/fixtures.js';
import { openSqliteStore } from '../store/sqlite/index.js';
import type { Store } from '../store/store.js';
import { FeedbackProcessor } from './processor.js';

const dir = mkdtempSync(join(tmpdir(), 'txmail-feedback-'));
let store: Store;
let processor: FeedbackProcessor;
const T0 = Date.now();

before(async () => {
  store = openSqliteStore(join(dir, 'feedback.db'));
  await store.migrate();
  await store.createTenant({ id: 'ten_a', name: 'a', createdAt: T0 });
  processor = new FeedbackProcessor({ store, secrets: secretsLoader(store), bounceLabel: 'bounce', now: () => Date.now(), log: pino({ level: 'silent' }) });
});
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A delivered delivery to `to`; its id. */
async function delivered(to: string): Promise<{ id: string; messageId: string }> {
  const m = message('ten_a', T0, [to], { id: newMessageId(T0) });
  await store.acceptMessages({ tenantId: 'ten_a', messages: [m], now: T0 });
  const [d] = await store.claimDue({ owner: 'w', now: T0 + 1, leaseMs: 60_000, limit: 1, excludeDomains: [] });
  assert.equal(d!.recipient, to);
  assert.deepEqual(await store.recordOutcomes([deliveredOutcome(d!, T0 + 2)]), [true]);
  return { id: d!.id, messageId: d!.messageId };
}

async function state(messageId: string): Promise<{ state: string; cls: string | null; reason: string | null }> {
  const d = (await store.getMessage('ten_a', messageId))!.deliveries[0]!;
  return { state: d.state, cls: d.bounceClass, reason: d.reason };
}

let n = 0;
const unique = (address: string): string => address.replace('@', `+c${++n}@`);

/** An RFC 3464 report for one recipient around a reply, folded the way Postfix folds it. */
function wrap(recipient: string, raw: string, action: 'failed' | 'delayed'): string {
  const reply = parseReply(raw)!;
  const status = reply.enhanced ?? `${Math.floor(reply.code / 100)}.0.0`;
  // Said at RCPT, as a synchronous refusal of a recipient is: a report that does not name the
  // command would read "user unknown" after DATA as a filter (Sisimai's reading, rules.ts).
  const diagnostic = `${raw.split(/\r?\n/).join('\r\n ')}\r\n (in reply to RCPT TO command)`;
  return [
    'From: MAILER-DAEMON@mx.example',
    'Subject: Undelivered Mail Returned to Sender',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
    '',
    '--b',
    'Content-Type: text/plain',
    '',
    'The message could not be delivered.',
    '--b',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.example',
    '',
    `Final-Recipient: rfc822; ${recipient}`,
    `Action: ${action}`,
    `Status: ${status}`,
    `Diagnostic-Code: smtp; ${diagnostic}`,
    '--b--',
    '',
  ].join('\r\n');
}

const fullReports = [...DSN_FIXTURES, ...LEGACY_FIXTURES];
// Postfix's "Recipient address rejected: Access denied" is an unknown recipient when the report
// says it came at RCPT (rules.ts access-denied-at-rcpt) but a policy block in a bare live reply.
const failedReplies = REPLY_SAMPLES.filter(([name, raw]) => raw.startsWith('5') && name !== 'postfix recipient access denied');

test('the corpus: at least 40 bounce samples in the shapes real servers send', () => {
  const samples = fullReports.reduce((k, f) => k + f.recipients.length, 0) + REPLY_SAMPLES.length;
  assert.ok(samples >= 40, `${samples} samples`);
});

for (const f of fullReports) {
  for (const r of f.recipients) {
    test(`async bounce, ${f.name}: ${r.recipient} → ${r.action === 'failed' ? `${r.class} ${r.reason}` : 'no change'}`, async () => {
      const d = await delivered(r.recipient);
      const reply = await processor.inbound([{ kind: 'bounce', deliveryId: d.id }], Buffer.from(f.raw.replace(/\n/g, '\r\n')));
      assert.equal(reply.code, 250, reply.text);
      const got = await state(d.messageId);
      if (r.action === 'failed') assert.deepEqual(got, { state: 'bounced', cls: r.class, reason: r.reason });
      else assert.deepEqual(got, { state: 'delivered', cls: null, reason: null });
      const sup = await store.getSuppression('ten_a', r.recipient);
      assert.equal(sup?.reason, r.action === 'failed' && r.class === 'hard' ? 'hard_bounce' : undefined);
      if (sup) await store.unsuppress('ten_a', r.recipient);
    });
  }
}

for (const [name, raw, cls, reason] of failedReplies) {
  test(`async bounce around a reply, ${name} → ${cls} ${reason}`, async () => {
    const to = unique('someone@dest.test');
    const d = await delivered(to);
    assert.equal((await processor.inbound([{ kind: 'bounce', deliveryId: d.id }], Buffer.from(wrap(to, raw, 'failed')))).code, 250);
    assert.deepEqual(await state(d.messageId), { state: 'bounced', cls, reason });
    assert.equal((await store.getSuppression('ten_a', to))?.reason, cls === 'hard' ? 'hard_bounce' : undefined);
  });
}

test('delay notices change no state and suppress nobody, whatever the reply: a deferred event with source dsn', async () => {
  // 4xx replies, and 5xx "user unknown" words in a notice that says the MTA is still trying.
  const samples = [...REPLY_SAMPLES.filter(([, r]) => r.startsWith('4')), ['hard words', '550 5.1.1 <x@dest.test>: User unknown', 'hard', 'user_unknown'] as const];
  for (const [, raw] of samples) {
    const to = unique('waiting@dest.test');
    const d = await delivered(to);
    assert.equal((await processor.inbound([{ kind: 'bounce', deliveryId: d.id }], Buffer.from(wrap(to, raw, 'delayed')))).code, 250);
    assert.equal((await state(d.messageId)).state, 'delivered');
    assert.equal(await store.getSuppression('ten_a', to), undefined, raw);
    const events = (await store.listEvents('ten_a', undefined, 10_000)).events.filter((e) => e.deliveryId === d.id);
    const deferred = events.find((e) => e.type === 'deferred');
    assert.equal(deferred?.type === 'deferred' && deferred.data.source, 'dsn', raw);
    assert.equal(events.some((e) => e.type === 'bounced'), false);
  }
});

test('a bounced event carries the SES-style bounce_type and bounce_sub_type', async () => {
  for (const [raw, type, sub] of [
    ['550 5.1.1 <x@dest.test>: Recipient address rejected: User unknown in local recipient table', 'Permanent', 'NoEmail'],
    ['552 5.2.2 Mailbox full', 'Transient', 'MailboxFull'],
    ['554 5.7.1 Message rejected as spam', 'Transient', 'ContentRejected'],
  ] as const) {
    const to = unique('typed@dest.test');
    const d = await delivered(to);
    await processor.inbound([{ kind: 'bounce', deliveryId: d.id }], Buffer.from(wrap(to, raw, 'failed')));
    const ev = (await store.listEvents('ten_a', undefined, 10_000)).events.find((e) => e.deliveryId === d.id && e.type === 'bounced');
    assert.deepEqual(ev?.type === 'bounced' && [ev.data.bounce_type, ev.data.bounce_sub_type], [type, sub], raw);
  }
});

for (const f of ARF_FIXTURES) {
  test(`complaint, ${f.name}`, async () => {
    const to = unique('complainer@dest.test');
    const d = await delivered(to);
    assert.equal((await processor.inbound([{ kind: 'bounce', deliveryId: d.id }], Buffer.from(f.raw))).code, 250);
    const v = (await store.getMessage('ten_a', d.messageId))!;
    const complained = v.events.filter((e) => e.type === 'complained');
    const isComplaint = f.feedbackType !== 'not-spam' && f.feedbackType !== 'auth-failure';
    assert.equal(complained.length, isComplaint ? 1 : 0);
    assert.equal((await store.getSuppression('ten_a', to))?.reason, isComplaint ? 'complaint' : undefined);
    assert.equal(v.deliveries[0]!.state, 'delivered');
  });
}

test('a report that is neither a bounce nor a complaint is refused; an unknown delivery is not', async () => {
  const d = await delivered(unique('x@dest.test'));
  assert.equal((await processor.inbound([{ kind: 'bounce', deliveryId: d.id }], Buffer.from('Subject: hi\r\n\r\nout of office\r\n'))).code, 550);
  assert.equal((await processor.inbound([{ kind: 'bounce', deliveryId: 'msg_01HM5X3QABCDEFGHJKMNPQRSTV.0' }], Buffer.from(DSN_FIXTURES[0]!.raw))).code, 250);
});
