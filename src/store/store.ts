// The Store: every durable fact of txmail goes through this interface, spoken in queue verbs.
// Two adapters implement it (sqlite/, postgres/) and one conformance suite holds both to it.
// Policy (retry times, classification) is decided in domain/ and passed in; the store only saves.
import type { BounceClass, BounceReason } from '../domain/bounce/classify.js';
import type { DeliveryState } from '../domain/delivery/types.js';
import type { NewEvent, StoredEvent } from '../domain/events/types.js';

export type Scope = 'send' | 'read' | 'admin';
export const SCOPES: readonly Scope[] = ['send', 'read', 'admin'];

/** Per-tenant switches; each feature reads its own field. Stored as JSON, merged on update. */
export interface TenantSettings {
  /** Send from domains the tenant has not added and verified (development only). */
  readonly allowUnverifiedSenders?: boolean;
  /** Add List-Unsubscribe (RFC 8058 one-click) to bulk messages only, or to every message. */
  readonly listUnsubscribe?: 'bulk' | 'always';
  /** Open and click tracking defaults for the tenant's messages. */
  readonly tracking?: { readonly opens: boolean; readonly clicks: boolean };
}

export interface Tenant {
  readonly id: string;
  readonly name: string;
  readonly createdAt: number;
  readonly settings?: TenantSettings;
}

export interface ApiKeyRecord {
  /** The public part of the key, used to find it; the secret is only kept as `hash`. */
  readonly id: string;
  readonly tenantId: string;
  readonly name: string;
  /** SHA-256 of the secret part, hex. */
  readonly hash: string;
  readonly scopes: readonly Scope[];
  readonly createdAt: number;
  readonly revokedAt: number | null;
}

export interface NewRecipient {
  readonly deliveryId: string;
  readonly address: string;
  readonly domain: string;
  readonly smtputf8: boolean;
  /** A per-recipient MIME variant (tracking, personalisation); the message's raw otherwise. */
  readonly raw?: Buffer;
}

export interface NewMessage {
  readonly id: string;
  readonly tenantId: string;
  /** The Message-ID header value, with angle brackets. */
  readonly messageIdHeader: string;
  readonly envelopeFrom: string;
  readonly headerFrom: string;
  readonly subject: string;
  readonly raw: Buffer;
  readonly tags: readonly string[];
  readonly metadata: Readonly<Record<string, string>>;
  readonly createdAt: number;
  /** When the message becomes due; equal to createdAt unless scheduled. */
  readonly sendAt: number;
  readonly recipients: readonly NewRecipient[];
}

export type RecipientStatus = 'queued' | 'scheduled' | 'dropped';

export interface AcceptedRecipient {
  readonly address: string;
  readonly deliveryId: string;
  readonly status: RecipientStatus;
  /** Why a recipient was dropped (`suppressed:hard_bounce`, ...). */
  readonly reason?: string;
}

export interface AcceptedMessage {
  readonly messageId: string;
  readonly recipients: readonly AcceptedRecipient[];
}

export interface IdempotencyClaim {
  readonly key: string;
  /** Hash of the canonical request; a different hash under the same key is a conflict. */
  readonly requestHash: string;
  readonly expiresAt: number;
}

/** One acceptance: all its messages commit together or not at all. */
export interface AcceptRequest {
  readonly tenantId: string;
  readonly messages: readonly NewMessage[];
  readonly idempotency?: IdempotencyClaim;
  readonly now: number;
}

export type AcceptOutcome =
  | { readonly kind: 'accepted'; readonly messages: readonly AcceptedMessage[] }
  /** The same idempotency key and body were accepted before: the first answer, nothing new written. */
  | { readonly kind: 'replayed'; readonly messages: readonly AcceptedMessage[] }
  | { readonly kind: 'idempotency_conflict' };

export interface ClaimRequest {
  readonly owner: string;
  readonly now: number;
  readonly leaseMs: number;
  readonly limit: number;
  /** Destinations this worker holds enough of already; their deliveries stay for later claims. */
  readonly excludeDomains: readonly string[];
}

export interface ClaimedDelivery {
  readonly id: string;
  readonly messageId: string;
  readonly tenantId: string;
  readonly recipient: string;
  readonly domain: string;
  readonly smtputf8: boolean;
  readonly state: 'queued' | 'deferred';
  readonly attempts: number;
  readonly acceptedAt: number;
  /** Fencing token: an outcome is recorded only if the lease still carries it. */
  readonly leaseToken: number;
  /** The previous lease ended without an outcome, or an earlier attempt's result is unknown. */
  readonly possibleDuplicate: boolean;
  readonly hasOwnRaw: boolean;
}

export interface MessageForDelivery {
  readonly id: string;
  readonly tenantId: string;
  readonly envelopeFrom: string;
  readonly messageIdHeader: string;
  readonly raw: Buffer;
  readonly tags: readonly string[];
  readonly metadata: Readonly<Record<string, string>>;
}

export interface LeaseRef {
  readonly deliveryId: string;
  readonly leaseToken: number;
}

export interface OutcomeRecord extends LeaseRef {
  readonly tenantId: string;
  readonly state: Exclude<DeliveryState, 'queued'>;
  readonly attempts: number;
  readonly nextAttemptAt: number | null;
  readonly lastReply: string | null;
  readonly lastMx: string | null;
  readonly possibleDuplicate: boolean;
  readonly bounceClass: BounceClass | null;
  readonly reason: BounceReason | null;
  readonly event: NewEvent;
}

/** A request for one of a destination's connection slots, numbered 0..limit-1 across the cluster. */
export interface SlotRequest {
  readonly domain: string;
  readonly owner: string;
  /** The destination's connection limit for the whole cluster. */
  readonly limit: number;
  readonly now: number;
  readonly leaseMs: number;
}

/** A held connection slot; `token` grows with every acquisition of the slot (fencing). */
export interface SlotLease {
  readonly domain: string;
  readonly slot: number;
  readonly token: number;
}

/** Retention: messages created before `before` whose deliveries are all final, at most `limit`. */
export interface PurgeRequest {
  readonly before: number;
  readonly limit: number;
}

export interface PurgeResult {
  readonly messages: number;
  readonly deliveries: number;
  readonly events: number;
}

export interface DestinationState {
  readonly domain: string;
  /** Until when the destination is backed off as a whole; 0 when it is alive. */
  readonly deadUntil: number;
  readonly failures: number;
  readonly lastError: string | null;
}

export type SuppressionReason = 'hard_bounce' | 'complaint' | 'unsubscribe' | 'manual';

export interface Suppression {
  readonly tenantId: string;
  /** Stored lower-cased; acceptance compares lower-cased addresses. */
  readonly address: string;
  readonly reason: SuppressionReason;
  readonly sourceMessageId: string | null;
  readonly createdAt: number;
}

export interface DeliveryView {
  readonly id: string;
  readonly recipient: string;
  readonly domain: string;
  readonly state: DeliveryState;
  readonly attempts: number;
  readonly nextAttemptAt: number | null;
  readonly lastReply: string | null;
  readonly lastMx: string | null;
  readonly bounceClass: BounceClass | null;
  readonly reason: string | null;
  readonly possibleDuplicate: boolean;
  readonly updatedAt: number;
}

export interface MessageView {
  readonly id: string;
  readonly tenantId: string;
  readonly messageIdHeader: string;
  readonly envelopeFrom: string;
  readonly headerFrom: string;
  readonly subject: string;
  readonly size: number;
  readonly tags: readonly string[];
  readonly metadata: Readonly<Record<string, string>>;
  readonly createdAt: number;
  readonly sendAt: number;
  readonly deliveries: readonly DeliveryView[];
  readonly events: readonly StoredEvent[];
}

export interface EventPage {
  readonly events: readonly StoredEvent[];
  /** Pass back as `after` to continue; equal to the request's cursor when nothing was new. */
  readonly cursor: string;
}

export interface QueueStats {
  readonly byState: Readonly<Record<DeliveryState, number>>;
  readonly due: number;
  readonly leased: number;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  migrate(): Promise<void>;
  close(): Promise<void>;

  // Tenants and keys
  createTenant(t: Tenant): Promise<void>;
  /**
   * First start: creates the tenant and its admin key in one transaction, but only while no
   * tenant exists; false when there is one already (another process starting at the same time won).
   */
  createFirstTenant(t: Tenant, adminKey: ApiKeyRecord): Promise<boolean>;
  getTenant(id: string): Promise<Tenant | undefined>;
  listTenants(): Promise<Tenant[]>;
  /** Merges `patch` into the tenant's settings; undefined when there is no such tenant. */
  updateTenantSettings(id: string, patch: TenantSettings): Promise<Tenant | undefined>;
  /**
   * A process-wide secret (token signing keys, encryption keys) shared by every process on
   * this store: the first caller's `create()` value wins, later callers read it.
   */
  getOrCreateSecret(name: string, create: () => string): Promise<string>;
  createApiKey(k: ApiKeyRecord): Promise<void>;
  getApiKey(id: string): Promise<ApiKeyRecord | undefined>;
  listApiKeys(tenantId: string): Promise<ApiKeyRecord[]>;
  revokeApiKey(tenantId: string, id: string, now: number): Promise<boolean>;

  // Acceptance: durable (fsync'd) when the promise resolves.
  acceptMessages(req: AcceptRequest): Promise<AcceptOutcome>;
  purgeIdempotency(now: number): Promise<number>;

  // Queue
  claimDue(req: ClaimRequest): Promise<ClaimedDelivery[]>;
  loadMessages(ids: readonly string[]): Promise<Map<string, MessageForDelivery>>;
  loadDeliveryRaw(deliveryId: string): Promise<Buffer | undefined>;
  /**
   * Extends held leases; returns the ones another worker has claimed since (their lease ran out
   * and the token moved on). A lease that ended with an outcome is not renewed and not returned.
   */
  renewLeases(owner: string, leases: readonly LeaseRef[], until: number): Promise<LeaseRef[]>;
  /** Gives held leases back (graceful stop): they become due at `now`. */
  releaseLeases(owner: string, leases: readonly LeaseRef[], now: number): Promise<void>;
  /** Writes each outcome with its event in one transaction; false for an outcome fenced off by a newer lease. */
  recordOutcomes(outcomes: readonly OutcomeRecord[]): Promise<boolean[]>;
  /** The earliest next_attempt_at among unfinished deliveries, or null when none wait. */
  nextDueAt(): Promise<number | null>;
  getDestination(domain: string): Promise<DestinationState | undefined>;
  putDestination(d: DestinationState): Promise<void>;
  queueStats(now: number): Promise<QueueStats>;

  // Connection slots: per-destination connection limits that hold across every worker process
  /** Takes a free or expired slot of the destination; undefined when all `limit` slots are held. */
  acquireSlot(req: SlotRequest): Promise<SlotLease | undefined>;
  /** Extends held slots; returns the ones this owner no longer holds (expired and taken over). */
  renewSlots(owner: string, slots: readonly SlotLease[], until: number): Promise<SlotLease[]>;
  releaseSlots(owner: string, slots: readonly SlotLease[]): Promise<void>;

  // Retention
  /** Deletes old finished messages with their deliveries and events, one batch per call. */
  purgeMessages(req: PurgeRequest): Promise<PurgeResult>;

  // Suppressions (acceptance drops suppressed recipients)
  /** Adds or refreshes an address on the tenant's list; true when it was not there before. */
  suppress(s: Suppression): Promise<boolean>;
  unsuppress(tenantId: string, address: string): Promise<boolean>;
  getSuppression(tenantId: string, address: string): Promise<Suppression | undefined>;

  // Reading
  getMessage(tenantId: string, id: string): Promise<MessageView | undefined>;
  listEvents(tenantId: string, after: string | undefined, limit: number): Promise<EventPage>;
  /** Appends events outside a delivery outcome (opens, clicks, complaints...). */
  appendEvents(tenantId: string, events: readonly NewEvent[]): Promise<void>;
}
