// What the bounce listener does with what arrives, as pure decisions; the listener shell only
// moves bytes and calls the store. Replies refuse in the session, never by a bounce of our own:
// a message we do not want is refused before we take responsibility for it (no backscatter).
import type { ParsedArf } from '../bounce/arf.js';
import type { ParsedBounce } from '../bounce/bounce.js';
import type { BounceClass, BounceReason } from '../bounce/classify.js';
import type { SmtpReply } from '../smtp/reply.js';
import type { FeedbackAddress } from './verp.js';

/** The RCPT TO reply: undefined accepts. */
export function rcptReply(a: FeedbackAddress, address: string): SmtpReply | undefined {
  switch (a.kind) {
    case 'bounce':
    case 'unsubscribe':
    case 'fbl':
      return undefined;
    case 'bad_token':
      return { code: 550, enhanced: '5.1.1', text: `<${address}>: no such recipient (unknown or altered return path)` };
    case 'foreign':
      return { code: 550, enhanced: '5.7.1', text: `<${address}>: relaying denied; this host only takes bounces and feedback for its own return paths` };
  }
}

export type BounceDecision =
  | {
      readonly kind: 'bounced';
      readonly class: BounceClass;
      readonly reason: BounceReason;
      readonly status: string;
      /** The remote's reply or the reporting MTA's explanation, one line. */
      readonly reply: string;
      readonly reportingMta?: string;
      readonly remoteMta?: string;
    }
  | {
      /** RFC 3464 Action: delayed. An event for the sender; never a state change or a suppression. */
      readonly kind: 'delayed';
      readonly reason: BounceReason;
      readonly status: string;
      readonly reply: string;
      readonly reportingMta?: string;
      readonly remoteMta?: string;
    }
  | { readonly kind: 'ignore'; readonly why: string };

/**
 * What a bounce report says about one delivery. The return path already named the delivery;
 * the report only supplies the status. Its entry for our recipient is preferred, then its only
 * failed one: many MTAs rewrite Final-Recipient after forwarding or aliasing.
 */
export function bounceDecision(report: ParsedBounce, recipient: string): BounceDecision {
  const lower = recipient.toLowerCase();
  const entry =
    report.recipients.find((r) => r.recipient.toLowerCase() === lower) ??
    report.recipients.find((r) => r.action === 'failed') ??
    report.recipients[0];
  if (!entry) return { kind: 'ignore', why: 'the report names no recipient' };
  const mtas = {
    ...(report.reportingMta !== undefined ? { reportingMta: report.reportingMta } : {}),
    ...(entry.remoteMta !== undefined ? { remoteMta: entry.remoteMta } : {}),
  };
  if (entry.action === 'delayed') {
    // The reporting MTA is still trying: nothing is final, whatever the words (RFC 3464 §2.3.3).
    return { kind: 'delayed', reason: entry.classification?.reason ?? 'unknown', status: entry.status, reply: entry.diagnostic ?? `status ${entry.status}`, ...mtas };
  }
  if (entry.action !== 'failed' || !entry.classification) return { kind: 'ignore', why: `action ${entry.action}: nothing failed` };
  return {
    kind: 'bounced',
    class: entry.classification.class,
    reason: entry.classification.reason,
    status: entry.status,
    reply: entry.diagnostic ?? `status ${entry.status}`,
    ...mtas,
  };
}

/**
 * Feedback types that mean "the recipient does not want this": a complaint, which suppresses
 * the address. `not-spam` and `auth-failure` (RFC 6591) are reports, not complaints.
 */
export function isComplaint(arf: ParsedArf): boolean {
  return arf.feedbackType === 'abuse' || arf.feedbackType === 'fraud' || arf.feedbackType === 'virus' || arf.feedbackType === 'other';
}

/** The reply to the final dot once every recipient was handled. */
export function dataReply(results: readonly ('recorded' | 'duplicate' | 'ignored' | 'unrecognised' | 'unknown_delivery')[]): SmtpReply {
  if (results.length > 0 && results.every((r) => r === 'unrecognised')) {
    return { code: 550, enhanced: '5.6.0', text: 'not a delivery status notification or feedback report; nothing else is accepted here' };
  }
  return { code: 250, enhanced: '2.0.0', text: 'report received' };
}
