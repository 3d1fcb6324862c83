// Store types of the events-out features (webhooks, tracking, stats), kept apart from store.ts
// so the interface file stays readable; store.ts re-exports them.
import type { EventType } from '../domain/events/types.js';
import type { DeliveryRef } from './store.js';
import type { Dimension, Granularity, StatsRow } from '../domain/stats/rollup.js';
import type { WebhookFormat } from '../domain/webhooks/endpoint.js';

// Webhooks: endpoints, the dispatcher's leases and positions, the delivery log, replays.

export interface WebhookEndpoint {
  readonly id: string;
  readonly tenantId: string;
  readonly url: string;
  readonly eventTypes: readonly EventType[];
  readonly format: WebhookFormat;
  /** HMAC secret (native) or PKCS#8 PEM private key (sendgrid). Never logged, never listed. */
  readonly secret: string;
  /** The SendGrid verification key (base64 SPKI); null for native endpoints. */
  readonly publicKey: string | null;
  readonly batchSize: number;
  readonly description: string;
  readonly enabled: boolean;
  readonly disabledReason: string | null;
  readonly disabledAt: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Position in the tenant's feed: every event up to here was acknowledged (2xx) or not wanted. */
  readonly cursor: string;
  /** Consecutive failed POSTs, and when that streak began. */
  readonly failures: number;
  readonly firstFailureAt: number | null;
  readonly nextAttemptAt: number;
  readonly lastAttemptAt: number | null;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
}

export interface NewWebhook {
  readonly id: string;
  readonly tenantId: string;
  readonly url: string;
  readonly eventTypes: readonly EventType[];
  readonly format: WebhookFormat;
  readonly secret: string;
  readonly publicKey: string | null;
  readonly batchSize: number;
  readonly description: string;
  readonly enabled: boolean;
  readonly now: number;
}

/** Fields given change; enabling clears the failure streak and the disabled reason. */
export interface WebhookUpdate {
  readonly url?: string;
  readonly eventTypes?: readonly EventType[];
  readonly batchSize?: number;
  readonly description?: string;
  readonly enabled?: boolean;
  readonly secret?: string;
  readonly publicKey?: string | null;
  readonly now: number;
}

export interface WebhookReplay {
  readonly id: string;
  readonly webhookId: string;
  readonly tenantId: string;
  /** Progress: events up to here were sent. */
  readonly cursor: string;
  /** The feed's end when the replay was asked for: it stops there. */
  readonly endCursor: string;
  /** Only events whose time is in [fromAt, toAt]. */
  readonly fromAt: number | null;
  readonly toAt: number | null;
  readonly state: 'running' | 'done';
  readonly sent: number;
  readonly createdAt: number;
  readonly finishedAt: number | null;
}

export interface NewWebhookReplay {
  readonly id: string;
  readonly tenantId: string;
  readonly webhookId: string;
  /** Resend events after this cursor (undefined: from the start of the feed). */
  readonly after: string | undefined;
  readonly fromAt: number | null;
  readonly toAt: number | null;
  readonly now: number;
}

export interface WebhookClaim {
  readonly owner: string;
  readonly now: number;
  readonly leaseMs: number;
  readonly limit: number;
}

/** An endpoint leased to one dispatcher: nobody else sends its events until the lease ends. */
export interface WebhookLease {
  readonly endpoint: WebhookEndpoint;
  /** Fencing token: progress is recorded only while the lease still carries it. */
  readonly leaseToken: number;
  readonly leaseUntil: number;
  /** Its unfinished replays, oldest first. */
  readonly replays: readonly WebhookReplay[];
}

export interface WebhookAttemptLog {
  readonly events: number;
  readonly firstEventId: string | null;
  readonly lastEventId: string | null;
  /** HTTP status, or null when no response came (timeout, connection error, refused address). */
  readonly status: number | null;
  readonly ok: boolean;
  readonly latencyMs: number;
  readonly error: string | null;
}

export interface WebhookAttempt extends WebhookAttemptLog {
  readonly id: number;
  readonly webhookId: string;
  readonly replayId: string | null;
  readonly at: number;
}

export interface WebhookProgress {
  readonly webhookId: string;
  readonly leaseToken: number;
  readonly now: number;
  /** The replay this batch belonged to; absent for the live stream. */
  readonly replayId?: string;
  /** The POST made, for the delivery log; absent when the batch only skipped unwanted events. */
  readonly log?: WebhookAttemptLog;
  readonly outcome:
    /** Acknowledged (or nothing to send): the position moves, the lease stays. */
    | { readonly kind: 'advanced'; readonly cursor: string; readonly sent: number; readonly done?: boolean }
    /** Failed: retry at `retryAt`; the lease is given up. */
    | { readonly kind: 'failed'; readonly failures: number; readonly firstFailureAt: number; readonly retryAt: number }
    /** Failed for too long: the endpoint is disabled with `reason`; the lease is given up. */
    | { readonly kind: 'disabled'; readonly failures: number; readonly firstFailureAt: number; readonly reason: string };
}

// Tracking: a delivery's identity for an open or click, and the engagement event itself.

export interface EngagementRecord {
  readonly ref: DeliveryRef;
  readonly kind: 'opened' | 'clicked';
  readonly at: number;
  /** A person, not a machine: only a person's first open (click) of a delivery is unique. */
  readonly human: boolean;
  /** The event's data; the store adds `unique`. */
  readonly data: Readonly<Record<string, unknown>>;
}

// Stats: aggregate rows maintained from the feed.

export interface StatsBatch {
  readonly tenantId: string;
  /** The roll-up position the rows were computed from; the batch is refused when it moved meanwhile. */
  readonly expectCursor: string | undefined;
  readonly cursor: string;
  readonly rows: readonly StatsRow[];
}

export interface StatsRange {
  readonly tenantId: string;
  readonly granularity: Granularity;
  readonly dim: Dimension;
  /** Only these keys of the dimension; all keys when absent. */
  readonly keys?: readonly string[];
  readonly from: number;
  /** Exclusive. */
  readonly to: number;
}
