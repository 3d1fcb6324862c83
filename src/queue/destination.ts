// One destination (recipient domain) of one worker: its held deliveries and the SMTP
// sessions that drain them. Sessions are reused for the next message to the same
// destination and closed after an idle wait.
//
// States: alive ──all hosts refuse to connect──► dead (until deadUntil, deliveries deferred
// without an attempt) ──deadUntil passes──► probing (one session) ──connects──► alive.
import type { AttemptResult } from '../domain/delivery/types.js';
import type { SmtpReply } from '../domain/smtp/reply.js';
import type { SmtpSession } from '../delivery/smtp-session.js';
import type { ClaimedDelivery, MessageForDelivery } from '../store/store.js';

export interface DestinationHost {
  /** Records results; resolves when they are durable. */
  record(items: ReadonlyArray<{ delivery: ClaimedDelivery; result: AttemptResult }>): Promise<void>;
  resolveAndConnect(dest: Destination): Promise<ConnectOutcome>;
  loadMessage(d: ClaimedDelivery): Promise<{ msg: MessageForDelivery; raw: Buffer } | undefined>;
  prepare(msg: MessageForDelivery, batch: readonly ClaimedDelivery[], raw: Buffer): Promise<{ from: string; raw: Buffer }>;
  splitsRecipients(msg: MessageForDelivery): boolean | Promise<boolean>;
  /** Takes a global connection slot; false when every slot is in use. */
  acquireSlot(): boolean;
  releaseSlot(): void;
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
  /** Sessions running (connecting or connected). */
  active = 0;
  /** Sessions with an open connection. */
  private connected = 0;
  /** Concurrency the remote currently tolerates: lowered when it refuses a further connection. */
  private cap: number;
  deadUntil = 0;
  failures = 0;
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

  add(ds: readonly ClaimedDelivery[], now: number): void {
    this.held += ds.length;
    if (this.deadUntil > now) {
      // Dead destination: defer without an attempt until it may be probed again.
      void this.finish(ds.map((delivery) => ({ delivery, result: { kind: 'suspended', until: this.deadUntil, text: `delivery to ${this.domain} suspended: destination unreachable` } })));
      return;
    }
    this.pending.push(...ds);
    for (const w of this.waiters.splice(0)) w();
    this.kick(now);
  }

  /**
   * Starts sessions while there is more waiting work than sessions, up to the destination's
   * limit (one while probing a dead destination) and while global slots last.
   */
  kick(now: number): void {
    const limit = this.failures > 0 ? 1 : Math.min(this.maxConnections, this.cap);
    while (this.pending.length > this.active && this.active < limit && this.deadUntil <= now) {
      if (!this.host.acquireSlot()) break;
      this.active++;
      const mine = new Set<ClaimedDelivery>();
      void this.runSession(mine)
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

  /** Every delivery this destination holds a lease on (for renewal). */
  *leased(): Iterable<ClaimedDelivery> {
    yield* this.pending;
    yield* this.sending;
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

  private takeAll(): ClaimedDelivery[] {
    return this.pending.splice(0);
  }

  private async runSession(mine: Set<ClaimedDelivery>): Promise<void> {
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
        if (!session.usable) break;
      }
    } finally {
      this.connected--;
      session.close();
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
    const loaded = await this.host.loadMessage(head);
    if (!loaded) {
      await this.finish([{ delivery: head, result: { kind: 'unroutable', permanent: true, reason: 'unknown', text: 'message data missing' } }], mine);
      return;
    }
    const batch = [head];
    let prepared: { from: string; raw: Buffer };
    try {
      if (!head.hasOwnRaw && !(await this.host.splitsRecipients(loaded.msg))) {
        // Further recipients of the same message share the transaction (RFC 5321 §3.3).
        for (let i = 0; i < this.pending.length && batch.length < this.host.recipientsPerTransaction; ) {
          const d = this.pending[i]!;
          if (d.messageId === head.messageId && !d.hasOwnRaw) {
            batch.push(d);
            this.pending.splice(i, 1);
            this.take(d, mine);
          } else i++;
        }
      }
      prepared = await this.host.prepare(loaded.msg, batch, loaded.raw);
    } catch (e) {
      // The preparer could not finish the message (store unreachable, unreadable key): nothing
      // was sent, so the deliveries are deferred and tried again rather than sent unsigned.
      const text = `preparing the message failed: ${(e as Error).message}`;
      await this.finish(batch.map((delivery) => ({ delivery, result: { kind: 'failed', reason: 'unknown', text, unknownOutcome: false } })), mine);
      return;
    }
    const { from, raw } = prepared;
    const r = await session.send({ from, to: batch.map((d) => d.recipient), size: raw.length }, raw);
    const mx = session.target.host;
    const tls = session.tls;
    if (r.kind === 'failed') {
      await this.finish(batch.map((delivery) => ({ delivery, result: { kind: 'failed', reason: r.reason, text: r.text, mx, unknownOutcome: r.unknownOutcome } })), mine);
      return;
    }
    const items = batch.map((delivery) => {
      const ok = replyFor(r.accepted, delivery.recipient);
      const no: SmtpReply | undefined = replyFor(r.rejected, delivery.recipient);
      const result: AttemptResult = ok
        ? { kind: 'accepted', reply: ok, mx, tls }
        : { kind: 'rejected', reply: no ?? { code: 451, text: 'no reply for this recipient' }, mx, tls };
      return { delivery, result };
    });
    await this.finish(items, mine);
    if (r.rejected.size > 0 && session.usable) await session.reset();
  }

  private take(d: ClaimedDelivery, mine: Set<ClaimedDelivery>): void {
    this.sending.add(d);
    mine.add(d);
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
