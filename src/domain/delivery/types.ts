// The delivery state machine's vocabulary. A delivery is one recipient of one message.
//
//   queued ──attempt──► delivered                       (2xx)
//     │  └───────────► bounced                          (5xx, null MX, NXDOMAIN, egress refused)
//     └──► deferred ──attempt──► … same as queued …     (4xx, connection error, timeout)
//               └────► bounced (reason expired)         (lifetime over)
//   queued ──► dropped                                  (suppressed at acceptance, cancelled)
//
// Leasing is orthogonal to the state: a queued or deferred delivery is leased by a worker
// while it is being attempted; a lease that expires makes it due again.
import type { BounceClass, BounceReason } from '../bounce/classify.js';
import type { SmtpReply } from '../smtp/reply.js';
import type { TlsRecord } from '../smtp/tls.js';

export const DELIVERY_STATES = ['queued', 'deferred', 'delivered', 'bounced', 'dropped'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];
export type FinalState = 'delivered' | 'bounced' | 'dropped';

export function isFinal(s: DeliveryState): s is FinalState {
  return s === 'delivered' || s === 'bounced' || s === 'dropped';
}

/** What one attempt at one recipient came to; produced by the delivery shell, judged by transition(). */
export type AttemptResult =
  | { readonly kind: 'accepted'; readonly reply: SmtpReply; readonly mx: string; readonly tls: boolean; readonly tlsRecord?: TlsRecord }
  /** The server answered with a non-2xx reply to MAIL, RCPT, DATA or the final dot. */
  | { readonly kind: 'rejected'; readonly reply: SmtpReply; readonly mx: string; readonly tls: boolean; readonly tlsRecord?: TlsRecord }
  /**
   * No reply to judge: refused connection, timeout, dropped connection, TLS failure.
   * `unknownOutcome` is set when the message data had been sent in full, so the
   * remote may have accepted it (RFC 1047).
   */
  | {
      readonly kind: 'failed';
      readonly reason: BounceReason;
      readonly text: string;
      readonly mx?: string;
      readonly unknownOutcome: boolean;
      /** The destination is backed off as a whole until then (dead destination). */
      readonly notBefore?: number;
      /** The TLS the session had, or why its certificate was refused. */
      readonly tlsRecord?: TlsRecord;
    }
  /** Failed before any SMTP session: DNS, egress filter, routing. */
  | { readonly kind: 'unroutable'; readonly permanent: boolean; readonly reason: BounceReason; readonly text: string }
  /** Not attempted: the whole destination is backed off until `until` (dead destination). */
  | { readonly kind: 'suspended'; readonly until: number; readonly text: string };

/** What the queue knows about a delivery when its attempt ends. */
export interface DeliveryFacts {
  readonly id: string;
  readonly messageId: string;
  readonly recipient: string;
  /** Attempts finished before this one. */
  readonly attempts: number;
  /** When the message was accepted, epoch ms; the lifetime counts from here. */
  readonly acceptedAt: number;
  /** An earlier attempt may have reached the remote (lost lease, broken connection after DATA). */
  readonly possibleDuplicate: boolean;
}

export interface BounceInfo {
  readonly class: BounceClass;
  readonly reason: BounceReason;
}
