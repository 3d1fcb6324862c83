// Queue control records (issue 10): what the operator's queue views read and what actions write.
import type { DeliveryChange, QueuedDelivery, QueueState, SkipReason } from '../domain/queue/control.js';
import type { QueueFilter } from '../domain/queue/filter.js';

/** The tenant whose queue a key sees; null for a platform key (every tenant). */
export type QueueScope = string | null;

/** A standing hold: a destination (for one tenant, or platform-wide when tenantId is null) or a whole tenant. */
export interface QueueHold {
  readonly id: string;
  readonly tenantId: string | null;
  /** Recipient domain; null holds the whole tenant. */
  readonly destination: string | null;
  readonly reason: string;
  readonly createdAt: number;
  /** null: until released. */
  readonly expiresAt: number | null;
  /** The API key that made it (or `system:<part>` for holds txmail makes itself). */
  readonly createdBy: string;
}

export interface AuditEntry {
  readonly at: number;
  /** The tenant acted on; null for an action across tenants. */
  readonly tenantId: string | null;
  readonly keyId: string;
  readonly action: string;
  readonly target: Readonly<Record<string, unknown>>;
  readonly reason: string | null;
  readonly touched: number;
}

export interface StoredAuditEntry extends AuditEntry {
  readonly seq: string;
}

export type DeliverySelector =
  | { readonly kind: 'deliveries'; readonly ids: readonly string[] }
  | { readonly kind: 'filter'; readonly filter: QueueFilter }
  /** The deliveries a standing hold parked. */
  | { readonly kind: 'parked_by'; readonly holdId: string };

export interface QueueActionRequest {
  readonly scope: QueueScope;
  readonly selector: DeliverySelector;
  readonly now: number;
  /** What the action does to each selected unfinished delivery (domain/queue/control.ts). */
  readonly plan: (d: QueuedDelivery) => DeliveryChange | { readonly skip: SkipReason };
  /** Written with the changes; `touched` is filled in by the store. */
  readonly audit: Omit<AuditEntry, 'touched'>;
  /** A standing hold created in the same transaction. */
  readonly createHold?: QueueHold;
  /** A standing hold removed in the same transaction. */
  readonly deleteHold?: string;
  /** Most deliveries one call changes; the result says when more matched (repeat the action). */
  readonly limit: number;
}

export interface QueueActionResult {
  readonly matched: number;
  readonly touched: number;
  readonly skipped: Readonly<Partial<Record<SkipReason, number>>>;
  /** More deliveries matched than `limit`: repeating the action continues. */
  readonly more: boolean;
}

export interface QueueQuery {
  readonly scope: QueueScope;
  readonly filter: QueueFilter;
  /** The previous page's `next`. */
  readonly after?: string;
  readonly limit: number;
  readonly now: number;
}

export interface QueueItem {
  readonly id: string;
  readonly messageId: string;
  readonly tenantId: string;
  readonly recipient: string;
  readonly destination: string;
  readonly sender: string;
  readonly subject: string;
  readonly tags: readonly string[];
  readonly queueState: QueueState;
  readonly attempts: number;
  readonly acceptedAt: number;
  readonly nextAttemptAt: number;
  readonly lastReply: string | null;
  readonly lastMx: string | null;
  readonly holdReason: string | null;
  readonly heldUntil: number | null;
  readonly parkedBy: string | null;
  readonly updatedAt: number;
}

export interface QueuePage {
  readonly items: readonly QueueItem[];
  readonly next: string | null;
}

export interface DestinationCounts {
  readonly destination: string;
  readonly counts: Readonly<Record<QueueState, number>>;
  readonly total: number;
  readonly oldestAcceptedAt: number;
  readonly lastError: string | null;
  readonly lastErrorAt: number | null;
}

export interface TenantStatusPatch {
  /** null clears (resume). */
  readonly suspendedAt?: number | null;
  readonly suspendReason?: string | null;
  readonly deletedAt?: number;
}
