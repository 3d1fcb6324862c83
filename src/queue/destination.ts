// One destination (recipient domain) of one worker: its held deliveries and the SMTP
// sessions that drain them. Sessions are reused for the next message to the same
// destination and closed after an idle wait.
//
// States: loading (the stored back-off is read when the worker first meets the destination;
// deliveries wait) → alive ──all hosts refuse to connect──► dead (until deadUntil, deliveries
// deferred without an attempt) ──deadUntil passes──► probing (one session) ──connects──► alive.
// Every session holds one of the destination's cluster-wide connection slots from before it
// connects until its socket is closed; when other workers hold them all, the destination waits
// (slotWaitUntil) and asks again.
import type { AttemptResult } from '../domain/delivery/types.js';
import { localRefusals } from '../domain/delivery/local-refusal.js';
import { connectionLimit, slotRetryMs, type DeadState } from '../domain/shaping/index.js';
import type { SmtpReply } from '../domain/smtp/reply.js';
import type { SmtpSession } from '../delivery/smtp-session.js';
import type { ClaimedDelivery, MessageForDelivery, SlotLease } from '../store/store.js';

export interface DestinationHost {
  /** Records results; resolves when they are durable. */
  record(items: ReadonlyArray<{ delivery: ClaimedDelivery; result: AttemptResult }>): Promise<void>;
  resolveAndConnect(dest: Destination): Promise<ConnectOutcome>;
  loadMessage(d: ClaimedDelivery): Promise<{ msg: MessageForDelivery; raw: Buffer } | undefined>;
  prepare(msg: MessageForDelivery, batch: readonly ClaimedDelivery[], raw: Buffer): Promise<{ from: string; raw: Buffer }>;
  splitsRecipients(msg: MessageForDelivery): boolean | Promise<boolean>;
  /** Takes a process-wide connection slot; false when every slot is in use. */
  acquireSlot(): boolean;
  releaseSlot(): void;
  /** Takes one of the destination's cluster-wide slots (`limit` in all); undefined when others hold them all. */
  acquireDestinationSlot(dest: Destination, limit: number): Promise<SlotLease | undefined>;
  /** Gives the slot back; called once the session's socket is closed. */
  releaseDestinationSlot(slot: SlotLease): Promise<void>;
  /** The slot's lease was lost to another worker (this worker stalled): close the connection. */
  lostDestinationSlot(slot: SlotLease): boolean;
  /** Other workers hold every slot: the deliveries waiting here may go back to the queue. */
  slotsRefused(dest: Destination): void;
  now(): number;
  markDead(dest: Destination, text: string): Promise<number>;
  markAlive(dest: Destination): Promise<void>;
  released(n: number): void;
  /** A session failed with a bug-class error; its unfinished deliveries keep their leases and are retried when they expire. */
  fault(dest: Destination, err: unknown, abandoned: readonly ClaimedDelivery[]): void;
  readonly recipientsPerTransaction: number;
  readonly idleMs: number;
}

export type ConnectOutcome =
  | { readonly kind: 'session'; readonly session: SmtpSession }
  /** Failed before any session: DNS, egress filter, a TLS policy no host could meet. */
  | { readonly kind: 'unroutable'; readonly result: AttemptResult }
  /** No host accepted a connection: the destination is dead. */
  | { readonly kind: 'dead'; readonly text: string };

export class Destination {
  readonly pending: ClaimedDelivery[] = [];
  /** Deliveries taken by a session and not yet recorded. */
  readonly sending = new Set<ClaimedDelivery>();
  /** Sessions running (waiting for a slot, connecting or connected). */
  active = 0;
  /** Sessions with an open connection. */
  private connected = 0;
  /** Concurrency the remote currently tolerates: lowered when it refuses a further connection. */
  private cap: number;
  deadUntil = 0;
  failures = 0;
  /** False until the stored back-off state has been read. */
  private ready = false;
  /** Other workers held every slot: no new session before this. */
  slotWaitUntil = 0;
  private slotRefusals = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Last time work arrived or a session ran, for evicting idle destinations. */
  lastActive = 0;
  private waiters: Array<() => void> = [];

  constructor(
    readonly domain: string,
    readonly maxConnections: number,
    private readonly host: DestinationHost,
  ) {
    this.cap = maxConnections;
  }

  /** Deliveries held here, waiting or in flight. */
  held = 0;

  /** Connections open to the destination now. */
  get open(): number {
    return this.connected;
  }

  /** True when nothing is held or running and the destination may be forgotten. */
  idleSince(now: number, ms: number): boolean {
    return this.held === 0 && this.active === 0 && this.pending.length === 0 && now - this.lastActive >= ms;
  }

  /** The stored state, read when the worker first meets the destination: another worker's back-off applies here too. */
  load(state: DeadState | undefined, now: number): void {
    if (state) {
      this.deadUntil = Math.max(this.deadUntil, state.deadUntil);
      this.failures = Math.max(this.failures, state.failures);
    }
    this.ready = true;
    if (this.deadUntil > now) this.suspend(this.pending.splice(0));
    else this.kick(now);
  }

  add(ds: readonly ClaimedDelivery[], now: number): void {
    this.held += ds.length;
    this.lastActive = now;
    if (this.ready && this.deadUntil > now) {
      this.suspend(ds);
      return;
    }
    this.pending.push(...ds);
    for (const w of this.waiters.splice(0)) w();
    this.kick(now);
  }

  /** Forgets deliveries whose lease this worker lost; returns how many were still waiting here. */
  drop(ids: ReadonlySet<string>): number {
    let n = 0;
    for (let i = this.pending.length - 1; i >= 0; i--) {
      if (ids.has(this.pending[i]!.id)) {
        this.pending.splice(i, 1);
        n++;
      }
    }
    this.held -= n;
    return n;
  }

  /** Every delivery this destination holds a lease on (for renewal). */
  *leased(): Iterable<ClaimedDelivery> {
    yield* this.pending;
    yield* this.sending;
  }

  /** Stops the slot retry timer (the worker is stopping). */
  stop(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  /** Dead destination: defer without an attempt until it may be probed again. */
  private suspend(ds: readonly ClaimedDelivery[]): void {
    if (ds.length === 0) return;
    const text = `delivery to ${this.domain} suspended: destination unreachable`;
    void this.finish(ds.map((delivery) => ({ delivery, result: { kind: 'suspended', until: this.deadUntil, text } })));
  }

  /**
   * Starts sessions while there is more waiting work than sessions, up to the destination's
   * limit (one while probing a dead destination) and while process-wide slots last.
   */
  kick(now: number): void {
    if (!this.ready) return;
    const limit = connectionLimit(this.maxConnections, this.cap, this.failures > 0);
    while (this.pending.length > this.active && this.active < limit && this.deadUntil <= now && this.slotWaitUntil <= now) {
      if (!this.host.acquireSlot()) break;
      this.active++;
      this.lastActive = now;
      const mine = new Set<ClaimedDelivery>();
      void this.runSession(limit, mine)
        .catch((err: unknown) => this.abandon(mine, err))
        .finally(() => {
          this.active--;
          this.host.releaseSlot();
          this.kick(this.host.now());
        });
    }
  }

  /** Lets go of a failed session's deliveries without an outcome; their leases lapse and they are retried. */
  private abandon(mine: Set<ClaimedDelivery>, err: unknown): void {
    const left = [...mine];
    for (const d of left) this.sending.delete(d);
    this.held -= left.length;
    this.host.released(left.length);
    this.host.fault(this, err, left);
  }

  private async finish(items: ReadonlyArray<{ delivery: ClaimedDelivery; result: AttemptResult }>, mine?: Set<ClaimedDelivery>): Promise<void> {
    try {
      await this.host.record(items);
    } finally {
      for (const { delivery } of items) {
        this.sending.delete(delivery);
        mine?.delete(delivery);
      }
      this.held -= items.length;
      this.host.released(items.length);
    }
  }

  private take(d: ClaimedDelivery, mine: Set<ClaimedDelivery>): void {
    this.sending.add(d);
    mine.add(d);
  }

  private takeAll(): ClaimedDelivery[] {
    return this.pending.splice(0);
  }

  private async runSession(limit: number, mine: Set<ClaimedDelivery>): Promise<void> {
    const slot = await this.host.acquireDestinationSlot(this, limit);
    if (!slot) {
      this.refused();
      return;
    }
    this.slotRefusals = 0;
    try {
      await this.connectAndSend(slot, mine);
    } finally {
      await this.host.releaseDestinationSlot(slot);
    }
  }

  /** Every slot is held by other workers: wait (growing, jittered) and ask again. */
  private refused(): void {
    const now = this.host.now();
    const wait = slotRetryMs(++this.slotRefusals, Math.random());
    this.slotWaitUntil = Math.max(this.slotWaitUntil, now + wait);
    this.host.slotsRefused(this);
    this.armRetry();
  }

  /** One timer per destination, firing when slotWaitUntil has passed (it may move on meanwhile). */
  private armRetry(): void {
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      const now = this.host.now();
      if (this.slotWaitUntil > now) this.armRetry();
      else this.kick(now);
    }, Math.max(1, this.slotWaitUntil - this.host.now()));
    this.retryTimer.unref();
  }

  /** Gives back waiting deliveries (none in flight): another worker holding slots can take them. */
  giveBack(): ClaimedDelivery[] {
    const ds = this.takeAll();
    this.held -= ds.length;
    return ds;
  }

  private async connectAndSend(slot: SlotLease, mine: Set<ClaimedDelivery>): Promise<void> {
    const c = await this.host.resolveAndConnect(this);
    if (c.kind === 'unroutable') {
      await this.finish(this.takeAll().map((delivery) => ({ delivery, result: c.result })));
      return;
    }
    if (c.kind === 'dead') {
      if (this.connected > 0) {
        // Other sessions to this destination are connected: the remote limits our connections.
        // Run with what it allows and leave the work to them.
        this.cap = Math.max(1, this.connected);
        return;
      }
      const now = this.host.now();
      const until = this.deadUntil > now ? this.deadUntil : await this.host.markDead(this, c.text);
      await this.finish(this.takeAll().map((delivery) => ({ delivery, result: { kind: 'failed', reason: 'connection_failed', text: c.text, unknownOutcome: false, notBefore: until } })));
      return;
    }
    const session = c.session;
    this.connected++;
    this.cap = Math.min(this.maxConnections, this.cap + 1);
    if (this.failures > 0) await this.host.markAlive(this);
    try {
      for (;;) {
        const batch = this.pending.length > 0 ? this.pending.splice(0, 1) : await this.waitForWork();
        if (!batch) break;
        await this.sendBatch(session, batch, mine);
        this.lastActive = this.host.now();
        if (!session.usable || this.host.lostDestinationSlot(slot)) break;
      }
    } finally {
      this.connected--;
      await session.close();
    }
  }

  /** Waits up to the idle time for more work for this destination. */
  private waitForWork(): Promise<ClaimedDelivery[] | undefined> {
    if (this.host.idleMs <= 0) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        resolve(this.pending.length > 0 ? this.pending.splice(0, 1) : undefined);
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== wake);
        resolve(undefined);
      }, this.host.idleMs);
      this.waiters.push(wake);
    });
  }

  private async sendBatch(session: SmtpSession, first: ClaimedDelivery[], mine: Set<ClaimedDelivery>): Promise<void> {
    const head = first[0]!;
    this.take(head, mine);
    // Further recipients of the same message share the transaction (RFC 5321 §3.3). They are
    // taken before the body is loaded, so that another session cannot pick them meanwhile.
    const mates: ClaimedDelivery[] = [];
    if (!head.hasOwnRaw) {
      for (let i = 0; i < this.pending.length && mates.length + 1 < this.host.recipientsPerTransaction; ) {
        const d = this.pending[i]!;
        if (d.messageId === head.messageId && !d.hasOwnRaw) {
          mates.push(d);
          this.pending.splice(i, 1);
          this.take(d, mine);
        } else i++;
      }
    }
    const putBack = (): void => {
      for (const d of mates) {
        this.sending.delete(d);
        mine.delete(d);
      }
      this.pending.unshift(...mates.splice(0));
    };
    const loaded = await this.host.loadMessage(head);
    if (!loaded) {
      putBack();
      await this.finish([{ delivery: head, result: { kind: 'unroutable', permanent: true, reason: 'unknown', text: 'message data missing' } }], mine);
      return;
    }
    let prepared: { from: string; raw: Buffer };
    try {
      if (await this.host.splitsRecipients(loaded.msg)) putBack();
      prepared = await this.host.prepare(loaded.msg, [head, ...mates], loaded.raw);
    } catch (e) {
      // The preparer could not finish the message (store unreachable, unreadable key): nothing
      // was sent, so the deliveries are deferred and tried again rather than sent unsigned.
      const text = `preparing the message failed: ${(e as Error).message}`;
      await this.finish([head, ...mates].map((delivery) => ({ delivery, result: { kind: 'failed', reason: 'unknown', text, unknownOutcome: false } })), mine);
      return;
    }
    const { from, raw } = prepared;
    // Addresses the client cannot put in a command are answered here, finally, not retried.
    const refusals = localRefusals(from, [head, ...mates].map((d) => d.recipient));
    const refused = [head, ...mates].flatMap((delivery) => {
      const result = refusals.get(delivery.recipient);
      return result ? [{ delivery, result }] : [];
    });
    const batch = [head, ...mates].filter((d) => !refusals.has(d.recipient));
    if (batch.length === 0) {
      await this.finish(refused, mine);
      return;
    }
    const r = await session.send({ from, to: batch.map((d) => d.recipient), size: raw.length }, raw);
    const mx = session.target.host;
    const tls = session.tls;
    const tlsRecord = session.tlsRecord;
    if (r.kind === 'failed') {
      await this.finish([...refused, ...batch.map((delivery) => ({ delivery, result: { kind: 'failed', reason: r.reason, text: r.text, mx, unknownOutcome: r.unknownOutcome, tlsRecord } }) as const)], mine);
      return;
    }
    const items = batch.map((delivery) => {
      const ok = replyFor(r.accepted, delivery.recipient);
      const no: SmtpReply | undefined = replyFor(r.rejected, delivery.recipient);
      const result: AttemptResult = ok
        ? { kind: 'accepted', reply: ok, mx, tls, tlsRecord }
        : { kind: 'rejected', reply: no ?? { code: 451, text: 'no reply for this recipient' }, mx, tls, tlsRecord };
      return { delivery, result };
    });
    await this.finish([...refused, ...items], mine);
    if (r.rejected.size > 0 && session.usable) await session.reset();
  }
}

/** The reply for a recipient; the client may echo an address with other letter case. */
function replyFor(replies: ReadonlyMap<string, SmtpReply>, recipient: string): SmtpReply | undefined {
  const exact = replies.get(recipient);
  if (exact) return exact;
  const lower = recipient.toLowerCase();
  for (const [addr, reply] of replies) if (addr.toLowerCase() === lower) return reply;
  return undefined;
}
