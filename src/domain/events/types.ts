// The event vocabulary. Every state change of a delivery writes one of these in the same
// transaction (DESIGN.md invariant 2); webhooks, stats and the dashboard read them back.
import type { BounceClass, BounceReason } from '../bounce/classify.js';
import type { TlsRecord } from '../smtp/tls.js';
import type { SesBounceSubType, SesBounceType } from '../bounce/vocabulary.js';

export const EVENT_TYPES = [
  'queued',
  'delivered',
  'deferred',
  'bounced',
  'dropped',
  'opened',
  'clicked',
  'complained',
  'unsubscribed',
  // Operator actions on the queue (issue 10).
  'held',
  'released',
  'retried',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface QueuedData {
  readonly send_at?: number;
}
export interface DeliveredData {
  readonly reply: string;
  readonly mx: string;
  readonly tls: boolean;
  /** Version, cipher, and whether the certificate was verified and by what. */
  readonly tls_details?: TlsRecord;
  readonly attempt: number;
  readonly possible_duplicate?: true;
}
export interface DeferredData {
  readonly reply: string;
  readonly mx?: string;
  readonly attempt: number;
  /** Our next attempt; absent for a delay notice (`source: 'dsn'`): the remote MTA retries, not us. */
  readonly next_attempt_at?: number;
  readonly reason: BounceReason;
  /** The TLS of the session, or why its certificate was refused (`failure`, `detail`). */
  readonly tls_details?: TlsRecord;
  /** `dsn`: a delay notice (RFC 3464 Action: delayed) from an MTA after ours; never a suppression. */
  readonly source?: 'dsn';
  readonly status?: string;
  readonly reporting_mta?: string;
  readonly remote_mta?: string;
}
export interface BouncedData {
  readonly reply: string;
  readonly mx?: string;
  readonly attempt: number;
  readonly class: BounceClass;
  readonly reason: BounceReason;
  readonly tls_details?: TlsRecord;
  /** SES's words for the class (Permanent = hard) and a sub-type (vocabulary.ts); absent on events written before. */
  readonly bounce_type?: SesBounceType;
  readonly bounce_sub_type?: SesBounceSubType;
  /** `smtp` for a refusal during the session, `dsn` for an asynchronous bounce report. */
  readonly source: 'smtp' | 'dsn' | 'dns' | 'policy' | 'expiry' | 'admin';
  /** DSN only: the enhanced status (RFC 3463) and the MTAs that reported and refused. */
  readonly status?: string;
  readonly reporting_mta?: string;
  readonly remote_mta?: string;
}
export interface DroppedData {
  readonly reason: string;
  /** Why an operator deleted it (reason `deleted`). */
  readonly note?: string;
}
/** An operator held the delivery; until null: until released. `by`: the API key that acted. */
export type HeldData = { readonly reason: string; readonly until: number | null; readonly by: string };
export type ReleasedData = { readonly by: string };
export type RetriedData = { readonly by: string; readonly was_due_at: number };
// Type aliases rather than interfaces: they stay assignable to the open record types that
// consumers of every event (webhooks) may use.
/** A complaint from a feedback loop (RFC 5965). */
export type ComplainedData = {
  readonly feedback_type: string;
  readonly user_agent?: string;
  readonly reporting_mta?: string;
  readonly source: 'arf';
};
/** one_click: RFC 8058 POST by the mailbox provider; page: the confirmation page; mailto: mail to the List-Unsubscribe address. */
export type UnsubscribedData = {
  readonly source: 'one_click' | 'page' | 'mailto';
};

/** Event payloads by type; types added by later features carry an open record. */
export interface EventDataMap {
  queued: QueuedData;
  delivered: DeliveredData;
  deferred: DeferredData;
  bounced: BouncedData;
  dropped: DroppedData;
  opened: Readonly<Record<string, unknown>>;
  clicked: Readonly<Record<string, unknown>>;
  complained: ComplainedData;
  unsubscribed: UnsubscribedData;
  held: HeldData;
  released: ReleasedData;
  retried: RetriedData;
}

/** An event about to be written. */
export type NewEvent = {
  [T in EventType]: {
    readonly type: T;
    readonly messageId: string;
    readonly deliveryId?: string;
    readonly recipient?: string;
    readonly at: number;
    readonly data: EventDataMap[T];
  };
}[EventType];

/** An event as read back from the store: `id` is unique, `cursor` orders the tenant's feed. */
export type StoredEvent = NewEvent & { readonly id: string; readonly tenantId: string; readonly cursor: string };
