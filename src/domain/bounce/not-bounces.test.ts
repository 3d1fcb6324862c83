// What parseBounce() must never take for a bounce (auto-replies, complaint reports, people
// writing about undeliverable mail), and what a delay notice is: a soft, delayed entry.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ARF_FIXTURES } from '../../../test/fixtures/bounces/arf.js';
import { parseBounce } from './bounce.js';

const vacation = (headers: string, subject = 'Re: Your order'): string => `From: Jane Doe <jane@example.org>
To: bounces+abc@bounce.txmail.example
Subject: ${subject}
${headers}
Content-Type: text/plain; charset=utf-8

I am out of the office until Monday. Your message to jane@example.org could not be delivered
to me in person; mail delivery failed to reach my desk. For urgent matters contact
john@example.org.
`;

test('RFC 3834 auto-replies are not bounces, even when they use a bounce’s words', () => {
  assert.equal(parseBounce(vacation('Auto-Submitted: auto-replied')), undefined);
  assert.equal(parseBounce(vacation('X-Autoreply: yes', 'Returned mail: out of office')), undefined);
  assert.equal(parseBounce(vacation('Precedence: auto_reply', 'Undeliverable: away')), undefined);
  assert.equal(parseBounce(vacation('', 'Out of Office: Undeliverable until Monday')), undefined);
});

test('ARF complaint reports are never bounces', () => {
  assert.ok(ARF_FIXTURES.length > 0);
  for (const f of ARF_FIXTURES) assert.equal(parseBounce(f.raw), undefined, f.name);
});

test('a person writing about undeliverable mail is not a bounce', () => {
  const raw = `From: Bob <bob@example.org>
To: support@txmail.example
Subject: question

Hello, my mail to alice@example.net could not be delivered yesterday. Why?
`;
  assert.equal(parseBounce(raw), undefined);
});

test('a mail system’s notice stays a bounce although it is marked auto-replied', () => {
  const raw = `From: Mail Delivery System <MAILER-DAEMON@mx.example.net>
To: bounces+abc@bounce.txmail.example
Subject: Mail delivery failed
Auto-Submitted: auto-replied

This is the mail system at mx.example.net.

There was an error delivering your mail to <carol@example.net>.

mx.example.net [192.0.2.8] did not like our RCPT TO:
550 5.1.1 <carol@example.net>: Recipient address rejected: User unknown
`;
  const b = parseBounce(raw);
  assert.equal(b?.recipients[0]?.recipient, 'carol@example.net');
  assert.deepEqual(b?.recipients[0]?.classification, { class: 'hard', reason: 'user_unknown' });
  assert.equal(b?.recipients[0]?.command, 'RCPT');
});

test('a delay notice is delayed and soft, whatever its words', () => {
  const raw = `From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>
To: bounces+abc@bounce.txmail.example
Subject: Delivery Status Notification (Delay)

This is an automatically generated Delivery Status Notification

THIS IS A WARNING MESSAGE ONLY.

YOU DO NOT NEED TO RESEND YOUR MESSAGE.

Delivery to the following recipient has been delayed:

     dave@example.com

Message will be retried for 2 more day(s)

Technical details of temporary failure:
The error that the other server returned was: 550 550 5.1.1 <dave@example.com>... User unknown
`;
  const r = parseBounce(raw)?.recipients[0];
  assert.equal(r?.recipient, 'dave@example.com');
  assert.equal(r?.action, 'delayed');
  assert.equal(r?.classification?.class, 'soft');
});

test('user unknown after DATA is a filter, at RCPT it is the address', () => {
  const at = (cmd: string): string => `From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
To: bounces+abc@bounce.txmail.example
Subject: Undelivered Mail Returned to Sender

This is the mail system at host mx.example.net.

<erin@example.jp>: host mx.example.jp[192.0.2.9] said: 550 : User unknown
    (in reply to ${cmd} command)
`;
  assert.deepEqual(parseBounce(at('end of DATA'))?.recipients[0]?.classification, { class: 'soft', reason: 'filtered' });
  assert.deepEqual(parseBounce(at('RCPT TO'))?.recipients[0]?.classification?.class, 'hard');
});
