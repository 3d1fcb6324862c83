// The event vocabulary. Every state change of a delivery writes one of these in the same
// transaction (DESIGN.md invariant 2); webhooks, stats and the dashboard read them back.
import type { BounceClass, BounceReason } from '../bounce/classify.js';

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
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface QueuedData {
  readonly send_at?: number;
}
export interface DeliveredData {
  readonly reply: string;
  readonly mx: string;
  readonly tls: boolean;
  readonly attempt: number;
  readonly possible_duplicate?: true;
}
export interface DeferredData {
  readonly reply: string;
  readonly mx?: string;
  readonly attempt: number;
  readonly next_attempt_at: number;
  readonly reason: BounceReason;
}
export interface BouncedData {
  readonly reply: string;
  readonly mx?: string;
  readonly attempt: number;
  readonly class: BounceClass;
  readonly reason: BounceReason;
  /** `smtp` for a refusal during the session, `dsn` for an asynchronous bounce report. */
  readonly source: 'smtp' | 'dsn' | 'dns' | 'policy' | 'expiry';
}
export interface DroppedData {
  readonly reason: string;
}

/** Event payloads by type; types added by later features carry an open record. */
export interface EventDataMap {
  queued: QueuedData;
  delivered: DeliveredData;
  deferred: DeferredData;
  bounced: BouncedData;
  dropped: DroppedData;
  opened: Readonly<Record<string, unknown>>;
  clicked: Readonly<Record<string, unknown>>;
  complained: Readonly<Record<string, unknown>>;
  unsubscribed: Readonly<Record<string, unknown>>;
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
