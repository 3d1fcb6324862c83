// The reply corpus: synchronous SMTP replies as receivers actually send them (line breaks,
// tags and trailing ids included) → the class and reason the rule table must give.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseReply, type SmtpReply } from '../smtp/reply.js';
import { BOUNCE_REASONS, classifyDsnStatus, classifyReply, matchRule, type BounceClass, type BounceReason } from './classify.js';
import { BOUNCE_RULES, type BounceRule } from './rules.js';

type Sample = readonly [name: string, raw: string, cls: BounceClass, reason: BounceReason];

const G = (code: string, lines: readonly string[]): string =>
  lines.map((l, i) => `${code.slice(0, 3)}${i === lines.length - 1 ? ' ' : '-'}${code.slice(4)} ${l}`).join('\r\n');

const SAMPLES: readonly Sample[] = [
  // Gmail: multi-line, code repeated on every line.
  ['gmail user unknown', G('550 5.1.1', ['The email account that you tried to reach does not exist. Please try', "double-checking the recipient's email address for typos or", 'unnecessary spaces. For more information, go to', ' https://support.google.com/mail/?p=NoSuchUser d75a77b69052e-4b2a1c3si1234567qt.123 - gsmtp']), 'hard', 'user_unknown'],
  ['gmail disabled', G('550 5.2.1', ['The email account that you tried to reach is disabled. Learn more at', ' https://support.google.com/mail/?p=DisabledUser 5b1f17b1804b1-43e1si12 - gsmtp']), 'hard', 'mailbox_disabled'],
  ['gmail inbox out of storage', G('452 4.2.2', ["The recipient's inbox is out of storage space. Please direct the", 'recipient to', ' https://support.google.com/mail/?p=OverQuotaTemp a640c23a62f3a-ab1si123 - gsmtp']), 'soft', 'mailbox_full'],
  ['gmail over quota permanent', G('552 5.2.2', ['The email account that you tried to reach is over quota. Please direct', 'the recipient to', ' https://support.google.com/mail/?p=OverQuotaPerm x12si - gsmtp']), 'soft', 'mailbox_full'],
  ['gmail DMARC', G('550 5.7.26', ["Unauthenticated email from txmail.example is not accepted due to domain's", 'DMARC policy. Please contact the administrator of txmail.example domain if', 'this was a legitimate mail. To learn about the DMARC initiative, go to', ' https://support.google.com/mail/?p=DmarcRejection 41be03b00d2f7-7fe1si3 - gsmtp']), 'soft', 'auth_failure'],
  ['gmail SPF 5.7.27', G('550 5.7.27', ['This mail has been blocked because the sender is unauthenticated.', 'Gmail requires all senders to authenticate with either SPF or DKIM.', ' https://support.google.com/mail/?p=UnauthenticatedEmail x9si - gsmtp']), 'soft', 'auth_failure'],
  ['gmail 4.7.28 rate', G('421 4.7.28', ['[203.0.113.5      15] Our system has detected an unusual rate of', 'unsolicited mail originating from your IP address. To protect our', 'users from spam, mail sent from your IP address has been temporarily', 'rate limited. Please visit', ' https://support.google.com/mail/?p=UnsolicitedRateLimitError x - gsmtp']), 'soft', 'rate_limited'],
  ['gmail IP blocked 5.7.1', G('550 5.7.1', ['[203.0.113.5      12] Our system has detected an unusual rate of', 'unsolicited mail originating from your IP address. To protect our', 'users from spam, mail sent from your IP address has been blocked.', ' https://support.google.com/mail/?p=UnsolicitedIPError x - gsmtp']), 'soft', 'reputation_blocked'],
  ['gmail likely unsolicited', G('550 5.7.1', ['Our system has detected that this message is likely unsolicited mail. To', 'reduce the amount of spam sent to Gmail, this message has been', 'blocked. Please visit', ' https://support.google.com/mail/?p=UnsolicitedMessageError x - gsmtp']), 'soft', 'spam_detected'],
  ['gmail security issue', G('552 5.7.0', ['This message was blocked because its content presents a potential', 'security issue. Please visit', ' https://support.google.com/mail/?p=BlockedMessage to review our', 'message content and attachment content guidelines. x - gsmtp']), 'soft', 'content_rejected'],
  ['gmail no PTR', G('550 5.7.25', ['[2001:db8::25] The IP address sending this message does not have a', 'PTR record setup, or the corresponding forward DNS entry does not', 'point to the sending IP. As a policy, Gmail does not accept messages', 'from IPs with missing PTR records. x - gsmtp']), 'soft', 'ptr_missing'],
  ['gmail size', G('552 5.3.4', ["Your message exceeded Google's message size limits. Please visit", ' https://support.google.com/mail/?p=MaxSizeError to view our size', 'guidelines. x - gsmtp']), 'soft', 'message_too_large'],
  ['gmail receiving too quickly', G('450 4.2.1', ['The user you are trying to contact is receiving mail too quickly.', 'Please resend your message at a later time. x - gsmtp']), 'soft', 'rate_limited'],
  ['gmail no recipient domain', "553 5.1.2 We weren't able to find the recipient domain. Please check for any spelling errors.", 'hard', 'host_unknown'],
  ['gmail try again later', G('421 4.7.0', ['Try again later, closing connection. (EHLO)', ' https://support.google.com/a/answer/3221692 x - gsmtp']), 'soft', 'rate_limited'],
  ['gmail no authentication', G('421 4.7.0', ['This message does not have authentication information or fails to', 'pass authentication checks. To best protect our users from spam, the', 'message has been blocked. x - gsmtp']), 'soft', 'auth_failure'],
  // Microsoft: Outlook.com, Exchange Online, legacy Hotmail, Exchange on premises.
  ['outlook mailbox unavailable', '550 5.5.0 Requested action not taken: mailbox unavailable (S2017062302). [AM0PR02MB1234.eurprd02.prod.outlook.com]', 'hard', 'user_unknown'],
  ['exo DBEB', '550 5.4.1 Recipient address rejected: Access denied. AS(201806281) [DM6NAM12FT012.eop-nam12.prod.protection.outlook.com 2024-01-15T10:00:00.000Z 08DC15B0]', 'hard', 'user_unknown'],
  ['exo DBEB without AS tag', '550 5.4.1 Recipient address rejected: Access denied. For more information see https://aka.ms/EXOSmtpErrors [AM4PEPF00025F98.EURPRD83.prod.outlook.com]', 'hard', 'user_unknown'],
  ['outlook S3150', "550 5.7.1 Unfortunately, messages from [203.0.113.5] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors. [AM0PR01MB1234.eurprd01.prod.exchangelabs.com]", 'soft', 'reputation_blocked'],
  ['outlook 554 S3150', '554 5.7.1 Service unavailable; messages from [203.0.113.5] are rejected S3150', 'soft', 'reputation_blocked'],
  ['exo recipient not found', '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup', 'hard', 'user_unknown'],
  ['exo banned sending IP', '550 5.7.606 Access denied, banned sending IP [203.0.113.5]. To request removal from this list please visit https://sender.office.com/ and follow the directions. AS(1430)', 'soft', 'reputation_blocked'],
  ['exo hop count', '554 5.4.14 Hop count exceeded - possible mail loop ATTR34 [BN8NAM12FT012.eop-nam12.prod.protection.outlook.com]', 'soft', 'routing_error'],
  ['exo mailbox full', '554 5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException.MapiExceptionShutoffQuotaExceeded; Failed to process message due to a permanent exception', 'soft', 'mailbox_full'],
  ['exo detected as spam', '550 5.7.350 Remote server returned message detected as spam -> 554 5.7.1 Message rejected due to content restrictions', 'soft', 'spam_detected'],
  ['exo not authorized', '550 5.7.1 RESOLVER.RST.NotAuthorized; not authorized', 'soft', 'policy_blocked'],
  ['exo rate limited by reputation', '451 4.7.650 The mail server [203.0.113.5] has been temporarily rate limited due to IP reputation. For e-mail delivery information, see https://postmaster.live.com (S775)', 'soft', 'rate_limited'],
  ['exo relay denied', '550 5.7.64 TenantAttribution; Relay Access Denied [SN1NAM02FT0123.eop-nam02.prod.protection.outlook.com]', 'soft', 'relay_denied'],
  ['exo SPF violation', '550 5.7.23 The message was rejected because of Sender Policy Framework violation', 'soft', 'auth_failure'],
  ['exo server busy', '451 4.7.500 Server busy. Please try again later from [203.0.113.5]. (S77714)', 'soft', 'rate_limited'],
  ['exo message expired', '550 5.4.300 Message expired', 'soft', 'expired'],
  ['hotmail SC-001', "550 SC-001 (BAY004-MC5F26) Unfortunately, messages from 203.0.113.5 weren't sent. Please contact your Internet service provider. You can tell your provider that Hotmail does not relay dynamic IP ranges.", 'soft', 'reputation_blocked'],
  ['exchange user unknown', '550 5.1.1 User unknown', 'hard', 'user_unknown'],
  // Yahoo / AOL.
  ['yahoo policy 5.7.9', '554 5.7.9 Message not accepted for policy reasons.  See https://postmaster.yahooinc.com/error-codes', 'soft', 'policy_blocked'],
  ['yahoo TSS04', '421 4.7.0 [TSS04] Messages from 203.0.113.5 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes', 'soft', 'rate_limited'],
  ['yahoo BL21 with 5.1.3', "553 5.1.3 [BL21] Connections will not be accepted from 203.0.113.5, because the ip is in Spamhaus's list; see https://postmaster.yahooinc.com/error-codes", 'soft', 'reputation_blocked'],
  ['yahoo TS03', '554 5.7.9 [TS03] All messages from 203.0.113.5 will be permanently deferred; Retrying will NOT succeed. See https://postmaster.yahooinc.com/error-codes', 'soft', 'reputation_blocked'],
  ['yahoo no account', "554 delivery error: dd This user doesn't have a yahoo.com account (jane.doe@yahoo.com) [0] - mta1234.mail.bf1.yahoo.com", 'hard', 'user_unknown'],
  ['aol mailbox disabled', '554 30 Sorry, your message to jane@aol.com cannot be delivered. This mailbox is disabled (554.30).', 'hard', 'mailbox_disabled'],
  // Postfix.
  ['postfix local user unknown', '550 5.1.1 <jane@example.org>: Recipient address rejected: User unknown in local recipient table', 'hard', 'user_unknown'],
  ['postfix virtual user unknown', '550 5.1.1 <jane@example.org>: Recipient address rejected: User unknown in virtual mailbox table', 'hard', 'user_unknown'],
  ['postfix relay access denied', '554 5.7.1 <jane@example.org>: Relay access denied', 'soft', 'relay_denied'],
  ['postfix mailbox full', '452 4.2.2 Mailbox full', 'soft', 'mailbox_full'],
  ['postfix size', '552 5.3.4 Message size exceeds fixed limit', 'soft', 'message_too_large'],
  ['postfix no hostname', '450 4.7.1 Client host rejected: cannot find your hostname, [203.0.113.5]', 'soft', 'ptr_missing'],
  ['postfix no reverse hostname', '550 5.7.1 Client host rejected: cannot find your reverse hostname, [203.0.113.5]', 'soft', 'ptr_missing'],
  ['postfix domain not found', '550 5.1.2 <jane@nonexistent.example>: Recipient address rejected: Domain not found', 'hard', 'host_unknown'],
  ['postgrey', '450 4.2.0 <jane@example.org>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.org.html', 'soft', 'greylisted'],
  ['postfix sender domain not found', '450 4.1.8 <bounce@txmail.example>: Sender address rejected: Domain not found', 'soft', 'sender_rejected'],
  ['postfix spamcop', '554 5.7.1 Service unavailable; Client host [203.0.113.5] blocked using bl.spamcop.net; Blocked - see https://www.spamcop.net/bl.shtml?203.0.113.5', 'soft', 'reputation_blocked'],
  ['postfix helo', '504 5.5.2 <localhost>: Helo command rejected: need fully-qualified hostname', 'soft', 'policy_blocked'],
  ['postfix recipient access denied', '554 5.7.1 <jane@example.org>: Recipient address rejected: Access denied', 'soft', 'policy_blocked'],
  ['postfix unverified (4xx never hard)', '450 4.1.1 <jane@example.org>: Recipient address rejected: unverified address: Address verification in progress', 'soft', 'user_unknown'],
  // Exim.
  ['exim unrouteable', '550 Unrouteable address', 'hard', 'user_unknown'],
  ['exim administrative prohibition', '550 Administrative prohibition', 'soft', 'policy_blocked'],
  ['exim sender verify', '550-Verification failed for <bounce@txmail.example>\r\n550-Unrouteable address\r\n550 Sender verify failed', 'soft', 'sender_rejected'],
  ['exim spamhaus', '550 rejected because 203.0.113.5 is in a black list at zen.spamhaus.org', 'soft', 'reputation_blocked'],
  ['exim temporary local problem', '451 Temporary local problem - please try later', 'soft', 'unknown'],
  ['exim relay not permitted', '550 relay not permitted', 'soft', 'relay_denied'],
  // qmail: the enhanced code comes last, as (#x.y.z).
  ['qmail rcpthosts', "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)", 'soft', 'relay_denied'],
  ['qmail no mailbox', '550 sorry, no mailbox here by that name. (#5.1.1)', 'hard', 'user_unknown'],
  ['qmail badmailfrom', '553 sorry, your envelope sender is in my badmailfrom list (#5.7.1)', 'soft', 'sender_rejected'],
  // Sendmail.
  ['sendmail user unknown', '550 5.1.1 <jane@example.org>... User unknown', 'hard', 'user_unknown'],
  ['sendmail sender domain', '553 5.1.8 <bounce@nonexistent.example>... Domain of sender address bounce@nonexistent.example does not exist', 'soft', 'sender_rejected'],
  ['sendmail ip name lookup', '550 5.7.1 <jane@example.org>... Relaying denied. IP name lookup failed [203.0.113.5]', 'soft', 'ptr_missing'],
  ['sendmail too many recipients 452', '452 4.5.3 Too many recipients', 'soft', 'rate_limited'],
  ['too many recipients 552', '552 5.5.3 Too many recipients', 'soft', 'rate_limited'],
  // Filtering gateways.
  ['mimecast invalid recipient', '550 Invalid Recipient - https://community.mimecast.com/docs/DOC-1369#550 [AbCdEfGhIjKlMnOp.uk123]', 'hard', 'user_unknown'],
  ['mimecast security policies', '554 Email rejected due to security policies - https://community.mimecast.com/docs/DOC-1369#554 [xYzAbC.uk456]', 'soft', 'policy_blocked'],
  ['mimecast anti-spoofing', '550 Rejected by header based Anti-Spoofing policy: txmail.example - https://community.mimecast.com/docs/DOC-1369#550 [abc.us789]', 'soft', 'policy_blocked'],
  ['mimecast envelope blocked', '550 Administrative prohibition - envelope blocked - https://community.mimecast.com/docs/DOC-1369#550 [def.us12]', 'soft', 'policy_blocked'],
  ['proofpoint spam', '554 5.7.1 [P4] Message blocked due to spam content in the message.', 'soft', 'spam_detected'],
  ['proofpoint ipcheck', '554 Blocked - see https://ipcheck.proofpoint.com/?ip=203.0.113.5', 'soft', 'reputation_blocked'],
  ['proofpoint user unknown', '550 5.1.1 User Unknown', 'hard', 'user_unknown'],
  ['proofpoint local policy', '550 5.7.0 Local Policy Violation', 'soft', 'policy_blocked'],
  ['barracuda reputation', '554 Service unavailable; Client host [203.0.113.5] blocked using Barracuda Reputation; http://www.barracudanetworks.com/reputation/?r=1&ip=203.0.113.5', 'soft', 'reputation_blocked'],
  ['cisco address rejected', '550 #5.1.0 Address rejected.', 'hard', 'user_unknown'],
  ['spamhaus zen', '554 5.7.1 Service unavailable; Client host [203.0.113.5] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/203.0.113.5', 'soft', 'reputation_blocked'],
  // Apple, Comcast, mail.ru, GMX.
  ['icloud user does not exist', '550 5.1.1 <jane@icloud.com>: user does not exist', 'hard', 'user_unknown'],
  ['icloud CS01', '554 5.7.1 [CS01] Message rejected due to local policy. Please visit https://support.apple.com/en-us/HT204137', 'soft', 'policy_blocked'],
  ['icloud over quota', '552 5.2.2 <jane@icloud.com>: user is over quota', 'soft', 'mailbox_full'],
  ['comcast not our customer', '550 5.1.1 <jane@comcast.net> Not our Customer', 'hard', 'user_unknown'],
  ['comcast DNSBL', '554 resimta-po-12v.sys.comcast.net resimta-po-12v.sys.comcast.net 203.0.113.5 found on one or more DNSBLs, see http://postmaster.comcast.net/smtp-error-codes.php#BL000010', 'soft', 'reputation_blocked'],
  ['mail.ru user not found', '550 Message was not accepted -- invalid mailbox. Local mailbox jane@mail.ru is unavailable: user not found', 'hard', 'user_unknown'],
  ['gmx bad PTR', '554-gmx.net (mxgmx117) Nemesis ESMTP Service not available\r\n554-No SMTP service\r\n554-Bad DNS PTR resource record.\r\n554 For explanation visit http://postmaster.gmx.com/en/case?c=r0601&i=ip&v=203.0.113.5&r=1MmW', 'soft', 'ptr_missing'],
  ['gmx mailbox unavailable', '550 Requested action not taken: mailbox unavailable', 'hard', 'user_unknown'],
  // Code versus text: which one decides.
  ['5.1.1 with spam text is soft', '550 5.1.1 Message rejected: spam content detected', 'soft', 'spam_detected'],
  ['5.7.1 with user unknown is hard', '550 5.7.1 <jane@example.org>: Recipient rejected: user unknown', 'hard', 'user_unknown'],
  ['5.7.1 with SPF', '550 5.7.1 Message rejected: SPF check failed for txmail.example', 'soft', 'auth_failure'],
  ['5.7.1 with DMARC', '550 5.7.1 Email rejected per DMARC policy for txmail.example', 'soft', 'auth_failure'],
  ['spam in the local part is ignored', '550 5.1.1 <spam@example.org>: Recipient address rejected: User unknown in virtual alias table', 'hard', 'user_unknown'],
  ['5.7.1 mailbox unavailable is policy', '550 5.7.1 Requested action not taken: mailbox unavailable, blocked by recipient policy', 'soft', 'policy_blocked'],
  ['virus', '554 5.7.0 Your message was rejected because it contains a virus', 'soft', 'content_rejected'],
  ['5.2.1 mailbox disabled', '550 5.2.1 <jane@example.org>: mailbox disabled', 'hard', 'mailbox_disabled'],
  ['5.1.2 bad destination system', '550 5.1.2 bad destination system address', 'hard', 'host_unknown'],
  ['null MX', '556 5.1.10 Recipient address has null MX', 'hard', 'host_unknown'],
  ['user has moved', '551 5.1.6 User has moved; please try <jane@new.example>', 'hard', 'mailbox_disabled'],
  ['STARTTLS required', '530 5.7.0 Must issue a STARTTLS command first', 'soft', 'tls_required'],
  ['too many connections', '421 4.7.0 Too many connections from your IP, slow down', 'soft', 'rate_limited'],
  ['IP address blocked', '550 5.7.1 Your IP address 203.0.113.5 has been blocked', 'soft', 'reputation_blocked'],
  ['bare 552 size', '552 Message size exceeds maximum permitted', 'soft', 'message_too_large'],
  ['bare 554 is not hard', '554 Transaction failed', 'soft', 'unknown'],
  ['bare 5.7.1', '550 5.7.1 Delivery not authorized, message refused', 'soft', 'policy_blocked'],
];

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
  const hardReasons = new Set<BounceReason>(['user_unknown', 'mailbox_disabled', 'host_unknown']);
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
];

for (const [name, status, diag, cls, reason] of DSN_CASES) {
  test(`classifyDsnStatus: ${name}`, () => {
    const c = classifyDsnStatus(status, diag);
    assert.deepEqual({ class: c.class, reason: c.reason }, { class: cls, reason }, name);
  });
}
