// Bounce classification: which failures mean "this address is bad" (hard) and which are about
// the message, the sender or the moment (soft). See DESIGN.md "Bounce classes".
// PLACEHOLDER rules: to be replaced by the ordered rule table in bounce-rules.ts.
import type { SmtpReply } from '../smtp/reply.js';

export type BounceClass = 'hard' | 'soft';

export const BOUNCE_REASONS = [
  'user_unknown',
  'mailbox_disabled',
  'host_unknown',
  'mailbox_full',
  'spam_detected',
  'policy_blocked',
  'reputation_blocked',
  'auth_failure',
  'rate_limited',
  'message_too_large',
  'content_rejected',
  'tls_required',
  'connection_failed',
  'timeout',
  'dns_failure',
  'egress_refused',
  'expired',
  'unknown',
] as const;
export type BounceReason = (typeof BOUNCE_REASONS)[number];

export interface Classification {
  readonly class: BounceClass;
  readonly reason: BounceReason;
  /** A 5xx that must be retried anyway (e.g. `552 5.5.3` too many recipients in one transaction). */
  readonly retryable?: true;
}

export function classifyReply(reply: SmtpReply): Classification {
  const e = reply.enhanced ?? '';
  if (/^5\.1\.[1236]$/.test(e)) return { class: 'hard', reason: 'user_unknown' };
  if (e === '5.1.2' || e === '5.1.10') return { class: 'hard', reason: 'host_unknown' };
  if (/^[45]\.2\.2$/.test(e)) return { class: 'soft', reason: 'mailbox_full' };
  if (/^[45]\.3\.4$/.test(e) || reply.code === 552) return { class: 'soft', reason: 'message_too_large' };
  return { class: 'soft', reason: 'unknown' };
}
