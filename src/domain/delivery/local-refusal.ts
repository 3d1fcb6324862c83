// Addresses our SMTP client cannot write into MAIL FROM or RCPT TO. The door refuses them
// (domain/address), but a message accepted before a rule was added, or an envelope sender
// set elsewhere, can still carry one. nodemailer refuses such an envelope before sending a
// byte, with an error that used to look like a connection failure: retried for days, never
// deliverable. Here it is decided up front, per recipient, as a final answer.
import { isAddressError, parseMailbox } from '../address/index.js';
import type { AttemptResult } from './types.js';

// nodemailer's own envelope check (smtp-connection `_setEnvelope`), kept as a backstop should
// the address rules and nodemailer ever disagree.
const CLIENT_REFUSES = /[\r\n<>]/;

/** Why `address` cannot be written as an SMTP path, or undefined; '' is the null sender when `nullOk`. */
export function smtpPathProblem(address: string, nullOk = false): string | undefined {
  if (address === '') return nullOk ? undefined : 'the address is empty';
  if (CLIENT_REFUSES.test(address)) return 'the address contains CR, LF, "<" or ">"';
  const m = parseMailbox(address);
  return isAddressError(m) ? m.error : undefined;
}

/**
 * The final results of the recipients that cannot be sent as addressed, by recipient. A bad
 * recipient is a hard bounce (the address itself is wrong, as a 5.1.3 would say); a bad
 * envelope sender fails every recipient, soft, since no recipient is at fault.
 */
export function localRefusals(from: string, recipients: readonly string[]): Map<string, AttemptResult> {
  const out = new Map<string, AttemptResult>();
  const senderProblem = smtpPathProblem(from, true);
  for (const rcpt of recipients) {
    if (senderProblem !== undefined) {
      out.set(rcpt, { kind: 'unroutable', permanent: true, reason: 'sender_rejected', text: `refused locally: the envelope sender ${JSON.stringify(from)} cannot be sent: ${senderProblem}` });
      continue;
    }
    const problem = smtpPathProblem(rcpt);
    if (problem !== undefined) {
      out.set(rcpt, { kind: 'unroutable', permanent: true, reason: 'invalid_address', text: `refused locally: the recipient ${JSON.stringify(rcpt)} cannot be sent: ${problem}` });
    }
  }
  return out;
}
