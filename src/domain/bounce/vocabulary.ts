// How our reason words line up with the two vocabularies users bring with them: Sisimai's
// reasons (the de-facto names for real-world bounce causes) and Amazon SES's bounce type and
// sub-type (what an SES notification consumer already switches on).
import type { BounceClass, BounceReason } from './classify.js';

/** SES `bounceType`: Permanent means "stop sending to this address"; that is our hard class. */
export type SesBounceType = 'Permanent' | 'Transient';
/** SES `bounceSubType` values (SES developer guide, "Bounce types"). */
export type SesBounceSubType =
  | 'General'
  | 'NoEmail'
  | 'Suppressed'
  | 'OnAccountSuppressionList'
  | 'MailboxFull'
  | 'MessageTooLarge'
  | 'ContentRejected'
  | 'AttachmentRejected';

const SUB_TYPE: Partial<Readonly<Record<BounceReason, SesBounceSubType>>> = {
  user_unknown: 'NoEmail',
  host_unknown: 'NoEmail',
  has_moved: 'NoEmail',
  not_accepting: 'NoEmail',
  suppressed: 'Suppressed',
  mailbox_full: 'MailboxFull',
  message_too_large: 'MessageTooLarge',
  content_rejected: 'ContentRejected',
  spam_detected: 'ContentRejected',
  filtered: 'ContentRejected',
};

export interface SesBounce {
  readonly bounce_type: SesBounceType;
  readonly bounce_sub_type: SesBounceSubType;
}

export function sesBounce(cls: BounceClass, reason: BounceReason): SesBounce {
  return { bounce_type: cls === 'hard' ? 'Permanent' : 'Transient', bounce_sub_type: SUB_TYPE[reason] ?? 'General' };
}

/**
 * Sisimai's reason names → ours. Sisimai's `delivered`, `vacation` and `feedback` are not bounces
 * (parseBounce() returns nothing for auto-replies and complaint reports), and `onhold` and
 * `undefined` are our `unknown`.
 */
export const SISIMAI_REASONS: Readonly<Record<string, BounceReason>> = {
  userunknown: 'user_unknown',
  hostunknown: 'host_unknown',
  hasmoved: 'has_moved',
  notaccept: 'not_accepting',
  mailboxfull: 'mailbox_full',
  suspend: 'mailbox_disabled',
  filtered: 'filtered',
  blocked: 'reputation_blocked',
  badreputation: 'reputation_blocked',
  spamdetected: 'spam_detected',
  virusdetected: 'content_rejected',
  policyviolation: 'policy_blocked',
  expired: 'expired',
  securityerror: 'security_error',
  authfailure: 'auth_failure',
  requireptr: 'ptr_missing',
  toomanyconn: 'rate_limited',
  ratelimited: 'rate_limited',
  speeding: 'rate_limited',
  mesgtoobig: 'message_too_large',
  emailtoolarge: 'message_too_large',
  exceedlimit: 'message_too_large',
  contenterror: 'content_rejected',
  notcompliantrfc: 'content_rejected',
  networkerror: 'connection_failed',
  systemerror: 'system_error',
  mailererror: 'system_error',
  systemfull: 'system_full',
  norelaying: 'relay_denied',
  rejected: 'sender_rejected',
  syntaxerror: 'protocol_error',
  failedstarttls: 'tls_required',
  suppressed: 'suppressed',
  onhold: 'unknown',
  undefined: 'unknown',
};
