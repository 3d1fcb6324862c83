// The reply corpus: synchronous SMTP replies as receivers actually send them (line breaks,
// tags and trailing ids included, in test/fixtures/bounces/replies.ts) → the class and reason
// the rule table must give.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseReply, type SmtpReply } from '../smtp/reply.js';
import { BOUNCE_REASONS, classifyDsnStatus, classifyReply, matchRule, type BounceClass, type BounceReason } from './classify.js';
import { BOUNCE_RULES, type BounceRule } from './rules.js';
import { REPLY_SAMPLES as SAMPLES } from '../../../test/fixtures/bounces/replies.js';

for (const [name, raw, cls, reason] of SAMPLES) {
  test(`classifyReply: ${name}`, () => {
    const reply = parseReply(raw);
    assert.ok(reply, `${name}: parseReply failed`);
    const c = classifyReply(reply);
    assert.deepEqual({ class: c.class, reason: c.reason }, { class: cls, reason }, `${name}: matched rule ${matchRule(reply)?.id}`);
  });
}

test('the corpus is large enough to mean something', () => {
  assert.ok(SAMPLES.length >= 60, `${SAMPLES.length} samples`);
  assert.equal(new Set(SAMPLES.map((s) => s[0])).size, SAMPLES.length, 'sample names are unique');
});

test('too many recipients is a 5xx that must be retried', () => {
  const reply = parseReply('552 5.5.3 Too many recipients');
  assert.ok(reply);
  assert.equal(classifyReply(reply).retryable, true);
  const other = parseReply('550 5.1.1 User unknown');
  assert.ok(other);
  assert.equal('retryable' in classifyReply(other), false);
});

test('a 4xx reply is never hard, whatever its text', () => {
  for (const [name, raw] of SAMPLES) {
    const reply = parseReply(raw);
    if (reply && reply.code < 500) assert.equal(classifyReply(reply).class, 'soft', name);
  }
});

test('rule table: unique ids, known reasons, hard only for bad addresses, a catch-all last', () => {
  const ids = BOUNCE_RULES.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length);
  const hardReasons = new Set<BounceReason>(['user_unknown', 'host_unknown', 'has_moved', 'not_accepting']);
  for (const r of BOUNCE_RULES) {
    assert.ok(BOUNCE_REASONS.includes(r.result.reason), r.id);
    if (r.result.class === 'hard') assert.ok(hardReasons.has(r.result.reason), r.id);
    // A /g or /y regex keeps lastIndex between .test() calls: results would depend on history.
    for (const re of [r.enhanced, r.text]) assert.ok(!re || !/[gy]/.test(re.flags), `${r.id}: stateful regex flag`);
  }
  const last = BOUNCE_RULES[BOUNCE_RULES.length - 1];
  assert.deepEqual(last && { code: last.code, enhanced: last.enhanced, text: last.text }, { code: undefined, enhanced: undefined, text: undefined });
});

test('matchRule applies a given table in order, first match wins', () => {
  const rules: BounceRule[] = [
    { id: 'a', code: [500, 599], text: /foo/, result: { class: 'soft', reason: 'policy_blocked' } },
    { id: 'b', text: /foo/, result: { class: 'hard', reason: 'user_unknown' } },
  ];
  const r: SmtpReply = { code: 450, text: 'foo' };
  assert.equal(matchRule(r, rules)?.id, 'b');
  assert.equal(matchRule({ ...r, code: 550 }, rules)?.id, 'a');
  assert.equal(matchRule({ code: 550, text: 'bar' }, rules), undefined);
});

const DSN_CASES: ReadonlyArray<readonly [string, string, string | undefined, BounceClass, BounceReason]> = [
  ['folded gmail diagnostic', '5.1.1', "smtp; 550-5.1.1 The email account that you tried to reach does not exist. Please try 550-5.1.1 double-checking the recipient's email address for typos or 550 5.1.1 unnecessary spaces. - gsmtp", 'hard', 'user_unknown'],
  ['diagnostic code beats generic status', '5.0.0', 'smtp; 550 5.7.1 Message rejected as spam by Content Filtering.', 'soft', 'spam_detected'],
  ['postfix host not found', '5.4.4', 'X-Postfix; Host or domain name not found. Name service error for name=nonexistent.example type=A: Host not found', 'hard', 'host_unknown'],
  ['postfix DNS try again', '4.4.3', 'X-Postfix; Host or domain name not found. Name service error for name=example.org type=MX: Host not found, try again', 'soft', 'dns_failure'],
  ['postfix connect timeout', '4.4.1', 'X-Postfix; connect to mx.example.org[192.0.2.10]:25: Connection timed out', 'soft', 'timeout'],
  ['postfix connection refused', '4.4.1', 'X-Postfix; connect to mx.example.org[192.0.2.10]:25: Connection refused', 'soft', 'connection_failed'],
  ['expired status only', '4.4.7', undefined, 'soft', 'expired'],
  ['status with comment', '5.1.1 (bad destination mailbox)', undefined, 'hard', 'user_unknown'],
  ['qmail local', '5.1.1', 'Sorry, no mailbox here by that name. (#5.1.1)', 'hard', 'user_unknown'],
  ['ip-like diagnostic is not a reply code', '5.0.0', '203.0.113.5 does not like recipient. Sorry, no mailbox here by that name.', 'hard', 'user_unknown'],
  // Postfix cannot read Cisco's `#5.1.0` and reports Status 5.0.0; the remote's own code must win.
  ['cisco hash code under a generic status', '5.0.0', 'smtp; 550 #5.1.0 Address rejected.', 'hard', 'user_unknown'],
];

for (const [name, status, diag, cls, reason] of DSN_CASES) {
  test(`classifyDsnStatus: ${name}`, () => {
    const c = classifyDsnStatus(status, diag);
    assert.deepEqual({ class: c.class, reason: c.reason }, { class: cls, reason }, name);
  });
}
