// The Store: every durable fact of txmail goes through this interface, spoken in queue verbs.
// Two adapters implement it (sqlite/, postgres/) and one conformance suite holds both to it.
// Policy (retry times, classification) is decided in domain/ and passed in; the store only saves.
import type { BounceClass, BounceReason } from '../domain/bounce/classify.js';
import type { DeliveryState } from '../domain/delivery/types.js';
import type { DkimChoice, DkimKeyFacts, KeySwitch } from '../domain/domains/keys.js';
import type { RecordCheck } from '../domain/domains/verify.js';
import type { NewEvent, StoredEvent } from '../domain/events/types.js';
import type { TemplateContent } from '../domain/templates/types.js';
import type { NewTemplate, TemplateRecord, TemplateVersion } from './template-types.js';

export type { TemplateContent } from '../domain/templates/types.js';
export type { NewTemplate, TemplateRecord, TemplateVersion } from './template-types.js';
import type { MessageMeta } from '../domain/events/meta.js';
import type { StatsRow } from '../domain/stats/rollup.js';
import type {
  EngagementRecord,
  NewWebhook,
  NewWebhookReplay,
  StatsBatch,
  StatsRange,
  WebhookAttempt,
  WebhookClaim,
  WebhookEndpoint,
  WebhookLease,
  WebhookProgress,
  WebhookReplay,
  WebhookUpdate,
} from './events-out.js';

export type * from './events-out.js';
export type * from './queue-types.js';
import type { DestinationCounts, QueueActionRequest, QueueActionResult, QueueHold, QueuePage, QueueQuery, QueueScope, StoredAuditEntry, TenantStatusPatch } from './queue-types.js';

/** `platform`: across tenants (tenants API, every tenant's queue); see README "Tenants". */
export type Scope = 'send' | 'read' | 'admin' | 'platform';
export const SCOPES: readonly Scope[] = ['send', 'read', 'admin', 'platform'];

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
  /** Suspended: sends refused, its queue held (queue control). */
  readonly suspendedAt?: number;
  readonly suspendReason?: string;
  /** Deleted: keys revoked, queue dropped; kept so ids in old data still resolve. */
  readonly deletedAt?: number;
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
  /** Written with the outcome, only if the outcome passes the lease fence (a hard bounce's address). */
  readonly suppression?: Suppression;
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

/**
 * What a takeover gave back: leases of workers that are gone. Deliveries became due, webhook
 * endpoints and connection slots free; owner and token stay, so the next claim flags the
 * deliveries possible_duplicate and bumps the token, and the old holder's outcome is fenced off.
 */
export interface TakeOverResult {
  /** The workers forgotten (their heartbeat rows removed), for the log. */
  readonly owners: readonly string[];
  readonly deliveries: number;
  readonly webhooks: number;
  readonly slots: number;
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

export interface SuppressionQuery {
  /** Substring of the address, case-insensitive. */
  readonly search?: string;
  readonly reason?: SuppressionReason;
  /** The previous page's `next`. */
  readonly after?: string;
  readonly limit: number;
}

export interface SuppressionPage {
  /** In address order. */
  readonly items: readonly Suppression[];
  /** Pass as `after` for the next page; null on the last page. */
  readonly next: string | null;
}

/** A DKIM key as stored: the private key only sealed (src/lib/seal.ts), never in the clear. */
export interface DkimKeyRecord extends DkimKeyFacts {
  readonly privateKeySealed: string;
}

/** The last verification of a domain's DNS records. */
export interface DomainCheck {
  readonly at: number;
  readonly verified: boolean;
  readonly records: readonly RecordCheck[];
}

/**
 * A tenant's claim on a sending domain. Several tenants may hold pending claims on related
 * names (the domain, its parents, its subdomains); once one proves ownership (`ownedAt`), the
 * others' related pending claims are dropped and nobody else can claim them.
 */
export interface SendingDomain {
  readonly tenantId: string;
  /** Lower-case A-labels. */
  readonly name: string;
  readonly createdAt: number;
  /** When a verification first found every required record (the tenant's own DKIM keys among them); null while the claim is pending. */
  readonly ownedAt: number | null;
  readonly dkim: DkimChoice;
  /** When the last verification found every required record ok; null when it did not. */
  readonly verifiedAt: number | null;
  readonly lastCheck: DomainCheck | null;
  /** In creation order. */
  readonly keys: readonly DkimKeyRecord[];
}

/** created; exists: this tenant has the name already; taken: another tenant owns it, a parent or a subdomain. */
export type CreateDomainResult = 'created' | 'exists' | 'taken';

/**
 * recorded: the check was saved (not verified, or the claim was owned already); owned: the check
 * proved ownership, other tenants' related pending claims were dropped; taken: it would have,
 * but another tenant owns the name, a parent or a subdomain (saved as not verified); missing:
 * no such claim.
 */
export type DomainCheckResult = 'recorded' | 'owned' | 'taken' | 'missing';

/** Who claims a name, for the sender check. */
export interface DomainClaim {
  readonly tenantId: string;
  readonly name: string;
  readonly createdAt: number;
  readonly ownedAt: number | null;
}

/** What the feedback paths need to know about a delivery they were told about. */
/** What feedback and tracking need to know of the delivery a token names. */
export interface DeliveryRef {
  readonly id: string;
  readonly tenantId: string;
  readonly messageId: string;
  readonly recipient: string;
  readonly state: DeliveryState;
  readonly attempts: number;
  /** When it was delivered; null when it is not (yet) delivered. */
  readonly deliveredAt: number | null;
}

/**
 * An asynchronous report about a delivery: a bounce after the fact (DSN), a complaint (ARF) or
 * an unsubscribe. Its event, the delivery's change and the suppression commit together.
 */
export interface FeedbackRecord {
  readonly tenantId: string;
  readonly deliveryId: string;
  /** A `bounced`, `complained` or `unsubscribed` event. */
  readonly event: NewEvent;
  /** For a bounce: the delivery becomes bounced with these facts unless it is already final as bounced or dropped. */
  readonly bounce?: { readonly class: BounceClass; readonly reason: BounceReason; readonly reply: string };
  readonly suppression?: Suppression;
}

/**
 * recorded: written. duplicate: already known (the delivery already bounced, or the same event
 * type exists for it); nothing written. unknown_delivery: no such delivery for the tenant (a
 * bounce then writes nothing; a complaint or unsubscribe still records its event and suppression).
 */
export type FeedbackResult = 'recorded' | 'duplicate' | 'unknown_delivery';

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

/** Figures read at scrape time for /metrics (metricsSnapshot): cheap, index-backed counts. */
export interface MetricsSnapshot {
  /** Unfinished deliveries: `in_flight` (leased), `scheduled` (queued for later), `queued` (due), `deferred`. */
  readonly queue: ReadonlyArray<{ readonly state: 'queued' | 'scheduled' | 'deferred' | 'in_flight'; readonly count: number; readonly oldestAcceptedAt: number }>;
  /** Webhook endpoints, most failing first: events not yet sent (counted up to `backlogCap`). */
  readonly webhooks: ReadonlyArray<{ readonly id: string; readonly enabled: boolean; readonly failures: number; readonly backlog: number }>;
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
  /** Queue depth by state and oldest age, and webhook backlogs of at most `maxWebhooks` endpoints. */
  metricsSnapshot(now: number, maxWebhooks: number, backlogCap: number): Promise<MetricsSnapshot>;

  // Connection slots: per-destination connection limits that hold across every worker process
  /** Takes a free or expired slot of the destination; undefined when all `limit` slots are held. */
  acquireSlot(req: SlotRequest): Promise<SlotLease | undefined>;
  /** Extends held slots; returns the ones this owner no longer holds (expired and taken over). */
  renewSlots(owner: string, slots: readonly SlotLease[], until: number): Promise<SlotLease[]>;
  releaseSlots(owner: string, slots: readonly SlotLease[]): Promise<void>;

  // Worker liveness: a dead worker's leases are taken over long before they expire
  /** Marks the worker `owner` (one per worker role: deliveries, webhook endpoints and slots) alive at `now`. */
  heartbeat(owner: string, now: number): Promise<void>;
  /**
   * Takes over the leases of every worker whose last heartbeat is older than `staleBefore`
   * (it died, or stalled that long) and forgets those workers. A live worker keeps what it renews.
   */
  takeOverStaleLeases(now: number, staleBefore: number): Promise<TakeOverResult>;
  /**
   * Takes over every lease not held by `keep`, heartbeat or not. Only for a store one process
   * owns alone (the embedded SQLite at start): whatever else holds a lease died with its process.
   */
  takeOverAllLeases(keep: string, now: number): Promise<TakeOverResult>;

  // Retention
  /** Deletes old finished messages with their deliveries and events, one batch per call. */
  purgeMessages(req: PurgeRequest): Promise<PurgeResult>;

  // Suppressions (acceptance drops suppressed recipients)
  /** Adds or refreshes an address on the tenant's list; true when it was not there before. */
  suppress(s: Suppression): Promise<boolean>;
  unsuppress(tenantId: string, address: string): Promise<boolean>;
  getSuppression(tenantId: string, address: string): Promise<Suppression | undefined>;
  listSuppressions(tenantId: string, q: SuppressionQuery): Promise<SuppressionPage>;
  /** Adds or refreshes many addresses in one transaction (CSV import). */
  suppressMany(list: readonly Suppression[]): Promise<{ added: number; updated: number }>;

  // Sending domains and their DKIM keys. Ownership (createDomain, recordDomainCheck) is decided
  // inside one serialized transaction, so two tenants racing for related names cannot both win.
  /** A pending claim (d.ownedAt is ignored); 'taken' when another tenant owns the name, a parent or a subdomain. */
  createDomain(d: SendingDomain): Promise<CreateDomainResult>;
  /** Every tenant's claims on exactly these names. */
  domainClaims(names: readonly string[]): Promise<DomainClaim[]>;
  getDomain(tenantId: string, name: string): Promise<SendingDomain | undefined>;
  listDomains(tenantId: string): Promise<SendingDomain[]>;
  /** Removes the domain and its keys. */
  deleteDomain(tenantId: string, name: string): Promise<boolean>;
  addDkimKeys(tenantId: string, name: string, keys: readonly DkimKeyRecord[]): Promise<boolean>;
  /** Activates and deactivates keys at `now` in one transaction (rotation); false for no such domain. */
  switchDkimKeys(tenantId: string, name: string, sw: KeySwitch, now: number): Promise<boolean>;
  /** Saves a verification; a verified check of a pending claim proves ownership (see DomainCheckResult). */
  recordDomainCheck(tenantId: string, name: string, check: DomainCheck): Promise<DomainCheckResult>;

  // Asynchronous feedback (bounce listener, unsubscribe links)
  getDeliveryRef(deliveryId: string): Promise<DeliveryRef | undefined>;
  recordFeedback(f: FeedbackRecord): Promise<FeedbackResult>;

  // Reading
  getMessage(tenantId: string, id: string): Promise<MessageView | undefined>;
  /** The feed after `after`, in commit order; with `until`, only events up to that cursor. */
  listEvents(tenantId: string, after: string | undefined, limit: number, until?: string): Promise<EventPage>;
  /** Appends events outside a delivery outcome (opens, clicks, complaints...). */
  appendEvents(tenantId: string, events: readonly NewEvent[]): Promise<void>;

  // Templates: versions are append-only; a template has exactly one active version.
  /** Creates the template with its content as version 1, active; 'name_taken' when the tenant has that name. */
  createTemplate(t: NewTemplate): Promise<TemplateRecord | 'name_taken'>;
  /** By id, else by name (`ref` is either). */
  getTemplate(tenantId: string, ref: string): Promise<TemplateRecord | undefined>;
  listTemplates(tenantId: string): Promise<TemplateRecord[]>;
  renameTemplate(tenantId: string, id: string, name: string, now: number): Promise<TemplateRecord | 'name_taken' | undefined>;
  /** Removes the template and all its versions. */
  deleteTemplate(tenantId: string, id: string): Promise<boolean>;
  /** Appends the next version; `activate` makes it the active one in the same transaction. */
  addTemplateVersion(tenantId: string, id: string, content: TemplateContent, activate: boolean, now: number): Promise<TemplateVersion | undefined>;
  /** Undefined when the template or that version does not exist. */
  activateTemplateVersion(tenantId: string, id: string, version: number, now: number): Promise<TemplateRecord | undefined>;
  /** The template (by id, else name) with one version: `version`, or the active one when undefined. One read for the send path. */
  getTemplateVersion(tenantId: string, ref: string, version?: number): Promise<{ template: TemplateRecord; version: TemplateVersion } | undefined>;
  /** Newest first. */
  listTemplateVersions(tenantId: string, id: string): Promise<TemplateVersion[]>;
  /**
   * A cursor before the first event at or after `at`, found by bisecting the feed: event times
   * grow with the feed only roughly, so callers ask for a margin earlier and filter by time.
   */
  feedCursorAt(tenantId: string, at: number): Promise<string>;
  /** Tags, metadata and Message-ID of messages, for events sent out; missing ids are left out. */
  loadMessageMeta(ids: readonly string[]): Promise<Map<string, MessageMeta>>;

  // Webhooks
  /** Stores a new endpoint positioned at the end of the tenant's feed: it gets events from now on. */
  createWebhook(w: NewWebhook): Promise<WebhookEndpoint>;
  getWebhook(tenantId: string, id: string): Promise<WebhookEndpoint | undefined>;
  listWebhooks(tenantId: string): Promise<WebhookEndpoint[]>;
  updateWebhook(tenantId: string, id: string, u: WebhookUpdate): Promise<WebhookEndpoint | undefined>;
  /** Deletes the endpoint with its replays and delivery log. */
  deleteWebhook(tenantId: string, id: string): Promise<boolean>;
  /** Leases enabled endpoints that are due and not leased by anyone else. */
  claimWebhooks(req: WebhookClaim): Promise<WebhookLease[]>;
  /** Extends a held lease; false when it was lost (expired and taken, endpoint disabled or deleted). */
  renewWebhookLease(id: string, leaseToken: number, until: number): Promise<boolean>;
  /** Gives a lease up; the endpoint is due again at `nextAttemptAt`. */
  releaseWebhook(id: string, leaseToken: number, nextAttemptAt: number): Promise<void>;
  /** Records a batch's result with its log line in one transaction; false when the lease was lost. */
  recordWebhookProgress(p: WebhookProgress): Promise<boolean>;
  /** The endpoint's delivery log, newest first. */
  listWebhookAttempts(tenantId: string, webhookId: string, limit: number): Promise<WebhookAttempt[]>;
  /** A replay up to the current end of the feed; undefined when there is no such endpoint. */
  createWebhookReplay(r: NewWebhookReplay): Promise<WebhookReplay | undefined>;
  listWebhookReplays(tenantId: string, webhookId: string): Promise<WebhookReplay[]>;

  // Tracking (getDeliveryRef above names the delivery)
  /** Appends an open or click event, marked `unique` when it is the delivery's first by a person. */
  recordEngagement(e: EngagementRecord): Promise<{ readonly unique: boolean }>;

  // Stats
  getStatsCursor(tenantId: string): Promise<string | undefined>;
  /** Adds the rows and moves the roll-up position in one transaction; false (nothing written) when the position moved meanwhile. */
  applyStats(b: StatsBatch): Promise<boolean>;
  queryStats(r: StatsRange): Promise<StatsRow[]>;
  /** The range's keys with the most volume (queued, then delivered), and how many keys there are. */
  rankStatsKeys(r: StatsRange, limit: number): Promise<{ keys: string[]; total: number }>;

  // Queue control (issue 10): the operator's views and actions; holds are honoured by claimDue.
  /** Unfinished deliveries per destination and state, most first. */
  queueCounts(scope: QueueScope, now: number): Promise<DestinationCounts[]>;
  /** Unfinished deliveries matching a filter, in id order. */
  listQueue(q: QueueQuery): Promise<QueuePage>;
  /** Applies an action's plan to the selected deliveries with their events and the audit record, in one transaction. */
  actOnQueue(req: QueueActionRequest): Promise<QueueActionResult>;
  /** Standing holds in force that the scope sees (a tenant sees its own and platform-wide ones). */
  listHolds(scope: QueueScope, now: number): Promise<QueueHold[]>;
  /** Newest first. */
  listAudit(scope: QueueScope, limit: number): Promise<StoredAuditEntry[]>;
  /** Suspends, resumes or marks a tenant deleted; undefined when there is no such tenant. */
  setTenantStatus(id: string, patch: TenantStatusPatch): Promise<Tenant | undefined>;
}
