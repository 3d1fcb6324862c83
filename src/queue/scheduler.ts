// The worker: claims due deliveries under a lease, hands them to per-destination queues,
// renews the leases it holds, and records every attempt's outcome through transition().
//
// Loop: claim (up to the hold limits, skipping destinations that hold enough or whose
// connection slots other workers hold) → sleep until woken by an acceptance, the next due time
// or poll_ms → claim again. A crash loses nothing: unrecorded leases expire and the deliveries
// become due again, flagged possible_duplicate. Many workers share one store: connection limits
// are cluster-wide slots (slots.ts) and a dead destination's back-off is read from the store.
import type { Logger } from 'pino';
import type { AttemptResult } from '../domain/delivery/types.js';
import type { RetryPolicy } from '../domain/retry/schedule.js';
import type { TlsRecord } from '../domain/smtp/tls.js';
import type { ClaimedDelivery, LeaseRef, MessageForDelivery, SlotLease, Store } from '../store/store.js';
import { DestinationStates } from './destination-state.js';
import { Destination, type ConnectOutcome, type DestinationHost } from './destination.js';
import { MessageLoader } from './message-loader.js';
import { outcomeOf } from './outcomes.js';
import type { Clock, Connector, OutboundPreparer, TargetResolver } from './ports.js';
import { SlotKeeper } from './slots.js';

export interface SchedulerOptions {
  readonly owner: string;
  readonly maxHeld: number;
  readonly maxHeldPerDestination: number;
  readonly leaseMs: number;
  /** Lease of a connection slot; a crashed worker's slots are free again after this. */
  readonly slotLeaseMs: number;
  readonly pollMs: number;
  readonly maxConnections: number;
  readonly connectionsFor: (domain: string) => number;
  readonly recipientsPerTransaction: number;
  readonly idleMs: number;
  readonly retry: RetryPolicy;
  readonly deadBackoffMs: number;
}

export interface SchedulerDeps {
  readonly store: Store;
  readonly resolver: TargetResolver;
  readonly connector: Connector;
  readonly preparer: OutboundPreparer;
  readonly clock: Clock;
  readonly log: Logger;
}

/** Claims of fewer rows than asked are spaced by this, so a trickle of sends is batched. */
const MIN_CLAIM_INTERVAL_MS = 10;
const EMPTY_CLAIM_PAUSE_MS = 50;
/** A destination idle this long is forgotten; meeting it again reads its stored state afresh. */
const EVICT_IDLE_MS = 60_000;

const leaseRef = (d: ClaimedDelivery): LeaseRef => ({ deliveryId: d.id, leaseToken: d.leaseToken });

export class Scheduler implements DestinationHost {
  private readonly destinations = new Map<string, Destination>();
  private heldCount = 0;
  private slotsUsed = 0;
  private running = false;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private loopDone: Promise<void> | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private slotTimer: NodeJS.Timeout | undefined;
  private readonly slots: SlotKeeper;
  private readonly states: DestinationStates;
  private readonly messages: MessageLoader;
  readonly recipientsPerTransaction: number;
  readonly idleMs: number;

  constructor(
    private readonly opts: SchedulerOptions,
    private readonly deps: SchedulerDeps,
  ) {
    this.recipientsPerTransaction = opts.recipientsPerTransaction;
    this.idleMs = opts.idleMs;
    this.slots = new SlotKeeper(deps.store, opts.owner, opts.slotLeaseMs, deps.clock, deps.log);
    this.messages = new MessageLoader(deps.store);
    this.states = new DestinationStates(deps.store, { firstMs: opts.deadBackoffMs, maxMs: opts.retry.maxDelayS * 1000 }, deps.log);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
    this.renewTimer = setInterval(() => void this.renew(), Math.max(1000, this.opts.leaseMs / 3));
    this.renewTimer.unref();
    this.slotTimer = setInterval(() => void this.tend(), Math.max(250, this.opts.slotLeaseMs / 3));
    this.slotTimer.unref();
  }

  /** New work may be due: claim soon instead of waiting for the poll. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Stops claiming, waits for sessions in flight (up to graceMs), gives back what is still held. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake();
    clearInterval(this.renewTimer);
    await this.loopDone;
    const deadline = this.now() + graceMs;
    const held = (): ClaimedDelivery[] => [...this.destinations.values()].flatMap((d) => d.pending);
    // Waiting deliveries go back at once; sessions in flight finish their transaction.
    const waiting = [...this.destinations.values()].flatMap((d) => d.pending.splice(0));
    await this.deps.store.releaseLeases(this.opts.owner, waiting.map((d) => ({ deliveryId: d.id, leaseToken: d.leaseToken })), this.now());
    this.heldCount -= waiting.length;
    while ([...this.destinations.values()].some((d) => d.active > 0) && this.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const left = held();
    if (left.length > 0) await this.deps.store.releaseLeases(this.opts.owner, left.map((d) => ({ deliveryId: d.id, leaseToken: d.leaseToken })), this.now());
    clearInterval(this.slotTimer);
    for (const d of this.destinations.values()) d.stop();
  }

  get held(): number {
    return this.heldCount;
  }

  /** Open connections per destination domain (for metrics). */
  *openConnections(): Iterable<readonly [string, number]> {
    for (const [domain, d] of this.destinations) if (d.open > 0) yield [domain, d.open];
  }

  now(): number {
    return this.deps.clock.now();
  }

  private async loop(): Promise<void> {
    let lastClaim = 0;
    while (this.running) {
      let full = false;
      let empty = false;
      const room = this.opts.maxHeld - this.heldCount;
      if (room > 0) {
        const sinceLast = this.now() - lastClaim;
        if (sinceLast < MIN_CLAIM_INTERVAL_MS) await new Promise((r) => setTimeout(r, MIN_CLAIM_INTERVAL_MS - sinceLast));
        lastClaim = this.now();
        this.woken = false;
        const limit = Math.min(room, 1000);
        try {
          const claimed = await this.deps.store.claimDue({
            owner: this.opts.owner,
            now: this.now(),
            leaseMs: this.opts.leaseMs,
            limit,
            excludeDomains: this.saturated(),
          });
          this.dispatch(claimed);
          full = claimed.length === limit;
          empty = claimed.length === 0;
        } catch (e) {
          this.deps.log.error({ err: e }, 'claiming due deliveries failed');
        }
      }
      if (full || !this.running) continue;
      await this.sleep(empty);
    }
  }

  /**
   * Until woken, the next due time or poll_ms. After an empty claim at least EMPTY_CLAIM_PAUSE_MS:
   * work that is due but not claimable (its destinations excluded) must not spin the loop.
   */
  private async sleep(lastClaimEmpty: boolean): Promise<void> {
    if (this.woken) return;
    let ms = this.opts.pollMs;
    try {
      const next = await this.deps.store.nextDueAt();
      if (next !== null) ms = Math.max(0, Math.min(ms, next - this.now()));
    } catch {
      // Poll at the normal interval if the store cannot say.
    }
    if (ms === 0 && !lastClaimEmpty && this.heldCount < this.opts.maxHeld && this.saturated().length === 0) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, Math.max(ms, lastClaimEmpty ? EMPTY_CLAIM_PAUSE_MS : MIN_CLAIM_INTERVAL_MS));
      function done(): void {
        clearTimeout(t);
        resolve();
      }
      this.wakeUp = done;
    });
    this.wakeUp = undefined;
  }

  /** Destinations not to claim for now: this worker holds enough, or other workers hold all their slots. */
  private saturated(): string[] {
    const out: string[] = [];
    const now = this.now();
    for (const [domain, d] of this.destinations) {
      if (d.held >= this.opts.maxHeldPerDestination || (d.slotWaitUntil > now && d.open === 0)) out.push(domain);
    }
    return out;
  }

  private dispatch(claimed: readonly ClaimedDelivery[]): void {
    if (claimed.length === 0) return;
    this.heldCount += claimed.length;
    const byDomain = new Map<string, ClaimedDelivery[]>();
    for (const d of claimed) {
      const list = byDomain.get(d.domain);
      if (list) list.push(d);
      else byDomain.set(d.domain, [d]);
    }
    const now = this.now();
    for (const [domain, list] of byDomain) this.destination(domain).add(list, now);
  }

  private destination(domain: string): Destination {
    let d = this.destinations.get(domain);
    if (!d) {
      d = new Destination(domain, this.opts.connectionsFor(domain), this);
      this.destinations.set(domain, d);
      // First meeting: a back-off another worker stored applies here too.
      const dest = d;
      void this.states.read(domain).then((state) => dest.load(state, this.now()));
    }
    return d;
  }

  private async renew(): Promise<void> {
    const leases: LeaseRef[] = [];
    for (const dest of this.destinations.values()) for (const d of dest.leased()) leases.push(leaseRef(d));
    if (leases.length === 0) return;
    try {
      const lost = await this.deps.store.renewLeases(this.opts.owner, leases, this.now() + this.opts.leaseMs);
      if (lost.length === 0) return;
      // This worker stalled past its leases and others claimed them: do not send what still waits.
      const ids = new Set(lost.map((l) => l.deliveryId));
      let dropped = 0;
      for (const d of this.destinations.values()) dropped += d.drop(ids);
      this.deps.log.warn({ lost: lost.length, dropped }, 'leases lost to other workers (this worker stalled past them)');
      if (dropped > 0) this.released(dropped);
    } catch (e) {
      this.deps.log.error({ err: e }, 'renewing leases failed');
    }
  }

  /** Renews connection slots and forgets destinations idle for a while. */
  private async tend(): Promise<void> {
    await this.slots.renew();
    const now = this.now();
    for (const [domain, d] of this.destinations) {
      if (d.idleSince(now, EVICT_IDLE_MS)) {
        d.stop();
        this.destinations.delete(domain);
      }
    }
  }

  // DestinationHost ------------------------------------------------------------------------

  async record(items: ReadonlyArray<{ delivery: ClaimedDelivery; result: AttemptResult }>): Promise<void> {
    const now = this.now();
    const outcomes = items.map(({ delivery, result }) => outcomeOf(delivery, result, this.opts.retry, now));
    try {
      const ok = await this.deps.store.recordOutcomes(outcomes);
      ok.forEach((written, i) => {
        if (!written) this.deps.log.warn({ delivery: outcomes[i]!.deliveryId }, 'outcome not recorded: lease taken over by another worker');
      });
      for (const o of outcomes) {
        this.deps.log.info({ message: o.event.messageId, delivery: o.deliveryId, state: o.state, reply: o.lastReply, mx: o.lastMx }, `delivery ${o.state}`);
      }
    } catch (e) {
      // The lease stays; when it expires the delivery is tried again (possible duplicate).
      this.deps.log.error({ err: e, deliveries: outcomes.map((o) => o.deliveryId) }, 'recording outcomes failed');
    }
  }

  fault(dest: Destination, err: unknown, abandoned: readonly ClaimedDelivery[]): void {
    this.deps.log.error({ err, destination: dest.domain, deliveries: abandoned.map((d) => d.id) }, 'delivery session failed; its deliveries are retried when their leases expire');
  }

  released(n: number): void {
    this.heldCount -= n;
    if (this.heldCount < this.opts.maxHeld) this.wake();
  }

  async resolveAndConnect(dest: Destination): Promise<ConnectOutcome> {
    const plan = await this.deps.resolver.resolve(dest.domain, this.now());
    if (plan.kind === 'fail') return { kind: 'unroutable', result: { kind: 'unroutable', permanent: plan.permanent, reason: plan.reason, text: plan.text } };
    const errors: string[] = [];
    let tlsRefused = false;
    let tlsRecord: TlsRecord | undefined;
    for (const target of plan.targets) {
      const r = await this.deps.connector.open(target);
      if (r.ok) return { kind: 'session', session: r.session };
      errors.push(r.text);
      if (r.reason === 'tls_required') {
        tlsRefused = true;
        tlsRecord = r.tls ?? tlsRecord;
      }
    }
    const text = errors.join('; ') || `no host to connect to for ${dest.domain}`;
    // Hosts that answered but could not meet the TLS policy are alive: defer, do not back off the destination.
    if (tlsRefused) return { kind: 'unroutable', result: { kind: 'failed', reason: 'tls_required', text, unknownOutcome: false, ...(tlsRecord ? { tlsRecord } : {}) } };
    return { kind: 'dead', text };
  }

  async loadMessage(d: ClaimedDelivery): Promise<{ msg: MessageForDelivery; raw: Buffer } | undefined> {
    const msg = await this.messages.load(d.messageId);
    if (!msg) return undefined;
    const raw = d.hasOwnRaw ? await this.deps.store.loadDeliveryRaw(d.id) : msg.raw;
    return raw ? { msg, raw } : undefined;
  }

  prepare(msg: MessageForDelivery, batch: readonly ClaimedDelivery[], raw: Buffer): Promise<{ from: string; raw: Buffer }> {
    return this.deps.preparer.prepare(msg, batch, raw);
  }

  splitsRecipients(msg: MessageForDelivery): boolean | Promise<boolean> {
    return this.deps.preparer.splitsRecipients(msg);
  }

  acquireSlot(): boolean {
    if (this.slotsUsed >= this.opts.maxConnections) return false;
    this.slotsUsed++;
    return true;
  }

  releaseSlot(): void {
    this.slotsUsed--;
    // A freed slot may unblock a destination that found none.
    const now = this.now();
    for (const d of this.destinations.values()) {
      if (d.pending.length > d.active) {
        d.kick(now);
        if (this.slotsUsed >= this.opts.maxConnections) break;
      }
    }
  }

  async acquireDestinationSlot(dest: Destination, limit: number): Promise<SlotLease | undefined> {
    return this.slots.acquire(dest.domain, limit);
  }

  releaseDestinationSlot(slot: SlotLease): Promise<void> {
    return this.slots.release(slot);
  }

  lostDestinationSlot(slot: SlotLease): boolean {
    return this.slots.isLost(slot);
  }

  slotsRefused(dest: Destination): void {
    // With no connection of its own to the destination, this worker gives its waiting deliveries
    // back to the queue, where the workers that hold the slots claim them, and claims none of the
    // destination until it may ask again (saturated()).
    if (dest.open > 0 || !this.running) return;
    const ds = dest.giveBack();
    if (ds.length === 0) return;
    this.heldCount -= ds.length;
    void this.deps.store.releaseLeases(this.opts.owner, ds.map(leaseRef), this.now()).catch((err: unknown) => {
      this.deps.log.warn({ err, destination: dest.domain }, 'giving back deliveries failed; their leases run out');
    });
  }

  async markDead(dest: Destination, text: string): Promise<number> {
    const next = await this.states.dead(dest.domain, dest.failures, this.now(), text);
    dest.failures = next.failures;
    dest.deadUntil = next.deadUntil;
    return dest.deadUntil;
  }

  async markAlive(dest: Destination): Promise<void> {
    dest.failures = 0;
    dest.deadUntil = 0;
    await this.states.alive(dest.domain);
  }
}
