// One endpoint's sending loop, run while this process holds the endpoint's lease.
//
//   read a batch (up to batch_size wanted events; unwanted ones are skipped over) ─► sign ─► POST
//     2xx ─► record the new position (fenced by the lease token) ─► next batch
//     else ─► record the failure with its retry time (or disable) ─► give the lease up
//   nothing left ─► release the lease, due again after poll_ms
//
// The live stream and the endpoint's replays take turns, one batch each, one POST in flight at a
// time: events of one endpoint leave in feed order, and a slow endpoint holds only its own lane.
// The position moves only after a 2xx, so a crash resends the last batch (at-least-once; the
// event ids are the same), and a lost lease (another process took over) stops the lane at once.
import type { Logger } from 'pino';
import type { StoredEvent } from '../domain/events/types.js';
import { afterFailure, type WebhookRetryPolicy } from '../domain/webhooks/backoff.js';
import { nativeBody, sendgridBody, type OutgoingEvent } from '../domain/webhooks/payload.js';
import { REPLAY_TIME_SLACK_MS } from '../domain/webhooks/replay.js';
import { signatureHeaders } from '../domain/webhooks/sign.js';
import type { Store, WebhookEndpoint, WebhookLease, WebhookReplay } from '../store/store.js';
import type { PostResult } from './webhook-post.js';

export interface LaneDeps {
  readonly store: Store;
  readonly post: (url: string, body: string, headers: Readonly<Record<string, string>>) => Promise<PostResult>;
  readonly log: Logger;
  readonly now: () => number;
  readonly policy: WebhookRetryPolicy;
  readonly leaseMs: number;
  readonly pollMs: number;
  readonly random: () => number;
  readonly shouldStop: () => boolean;
}

/** Pages read to fill one batch before sending what there is (an endpoint wanting rare types). */
const MAX_PAGES = 10;
/**
 * A lane that never catches up (events arrive as fast as they are sent) gives its lease back
 * after this long and is claimed again at once: changes to the endpoint (URL, secret, types)
 * take effect, and endpoints waiting for a free lane get their turn.
 */
const MAX_LANE_MS = 30_000;

interface Stream {
  readonly replay?: WebhookReplay;
  cursor: string;
  idle: boolean;
}

interface Batch {
  readonly events: StoredEvent[];
  readonly cursor: string;
  /** The stream has nothing more for now (live) or at all (a replay). */
  readonly exhausted: boolean;
}

export class WebhookLane {
  private _ep: WebhookEndpoint;
  private _leaseUntil: number;
  private readonly _token: number;
  private readonly _streams: Stream[];

  constructor(
    private readonly _deps: LaneDeps,
    lease: WebhookLease,
  ) {
    this._ep = lease.endpoint;
    this._token = lease.leaseToken;
    this._leaseUntil = lease.leaseUntil;
    this._streams = [{ cursor: lease.endpoint.cursor, idle: false }, ...lease.replays.map((r) => ({ replay: r, cursor: r.cursor, idle: false }))];
  }

  /** Sends until caught up, failed, stopped or the lease is lost; never throws. */
  async run(): Promise<void> {
    const d = this._deps;
    const until = d.now() + MAX_LANE_MS;
    try {
      let pending = true;
      while (!d.shouldStop() && d.now() < until) {
        const active = this._streams.filter((s) => !s.idle);
        pending = active.length > 0;
        if (!pending) break;
        for (const s of active) {
          const verdict = await this._step(s);
          if (verdict !== 'continue') return;
          if (d.shouldStop()) break;
        }
      }
      // Caught up: due again after a poll. Stopped or out of time with work left: due now.
      pending &&= this._streams.some((s) => !s.idle);
      await d.store.releaseWebhook(this._ep.id, this._token, pending || d.shouldStop() ? d.now() : d.now() + d.pollMs);
    } catch (err) {
      // A store error: the lease runs out and this endpoint is picked up again; nothing is lost.
      d.log.error({ err, webhook: this._ep.id }, 'webhook lane failed');
    }
  }

  private async _step(s: Stream): Promise<'continue' | 'stop'> {
    const d = this._deps;
    const batch = await this._read(s);
    if (batch.events.length === 0) {
      s.idle = batch.exhausted;
      if (batch.cursor === s.cursor && !(s.replay && batch.exhausted)) return 'continue';
      // Only unwanted events: move past them without a POST.
      const ok = await d.store.recordWebhookProgress({
        webhookId: this._ep.id,
        leaseToken: this._token,
        now: d.now(),
        ...(s.replay ? { replayId: s.replay.id } : {}),
        outcome: { kind: 'advanced', cursor: batch.cursor, sent: 0, done: batch.exhausted },
      });
      s.cursor = batch.cursor;
      return ok ? 'continue' : 'stop';
    }
    if (!(await this._holdLease())) return 'stop';
    const ids = [...new Set(batch.events.map((e) => e.messageId))];
    const meta = await d.store.loadMessageMeta(ids);
    const outgoing: OutgoingEvent[] = batch.events.map((event) => ({ event, meta: meta.get(event.messageId) }));
    const body = this._ep.format === 'native' ? nativeBody(this._ep.id, outgoing) : sendgridBody(outgoing);
    const timestamp = Math.floor(d.now() / 1000);
    const headers = { ...signatureHeaders(this._ep.format, this._ep.secret, timestamp, body), 'Txmail-Webhook-Id': this._ep.id };
    const result = await d.post(this._ep.url, body, headers);
    const now = d.now();
    const log = {
      events: batch.events.length,
      firstEventId: batch.events[0]!.id,
      lastEventId: batch.events[batch.events.length - 1]!.id,
      status: result.status,
      ok: result.ok,
      latencyMs: result.latencyMs,
      error: result.error,
    };
    const base = { webhookId: this._ep.id, leaseToken: this._token, now, log, ...(s.replay ? { replayId: s.replay.id } : {}) };
    if (result.ok) {
      const recorded = await d.store.recordWebhookProgress({ ...base, outcome: { kind: 'advanced', cursor: batch.cursor, sent: batch.events.length, done: batch.exhausted } });
      s.cursor = batch.cursor;
      s.idle = batch.exhausted;
      this._ep = { ...this._ep, failures: 0, firstFailureAt: null };
      return recorded ? 'continue' : 'stop';
    }
    const v = afterFailure(d.policy, this._ep, now, result.error ?? `HTTP ${result.status}`, d.random());
    await d.store.recordWebhookProgress({
      ...base,
      outcome:
        v.kind === 'retry'
          ? { kind: 'failed', failures: v.failures, firstFailureAt: v.firstFailureAt, retryAt: v.at }
          : { kind: 'disabled', failures: v.failures, firstFailureAt: v.firstFailureAt, reason: v.reason },
    });
    const fields = { webhook: this._ep.id, status: result.status, error: result.error, failures: v.failures };
    if (v.kind === 'disable') d.log.warn({ ...fields, reason: v.reason }, 'webhook endpoint disabled');
    else d.log.info({ ...fields, retry_at: new Date(v.at).toISOString() }, 'webhook POST failed; will retry');
    return 'stop';
  }

  /** Reads up to batch_size wanted events after the stream's position. */
  private async _read(s: Stream): Promise<Batch> {
    const ep = this._ep;
    const page = Math.min(1000, Math.max(ep.batchSize, 100));
    const wanted = new Set<string>(ep.eventTypes);
    const r = s.replay;
    const events: StoredEvent[] = [];
    let cursor = s.cursor;
    for (let n = 0; n < MAX_PAGES; n++) {
      const p = await this._deps.store.listEvents(ep.tenantId, cursor, page, r?.endCursor);
      for (const e of p.events) {
        if (r?.toAt != null && e.at > r.toAt + REPLAY_TIME_SLACK_MS) return { events, cursor, exhausted: true };
        cursor = e.cursor;
        const inRange = !r || ((r.fromAt === null || e.at >= r.fromAt) && (r.toAt === null || e.at <= r.toAt));
        if (inRange && wanted.has(e.type)) {
          events.push(e);
          if (events.length === ep.batchSize) return { events, cursor, exhausted: false };
        }
      }
      if (p.events.length < page) return { events, cursor, exhausted: true };
    }
    return { events, cursor, exhausted: false };
  }

  /** Makes sure the lease outlasts the next POST; false when it was lost. */
  private async _holdLease(): Promise<boolean> {
    const d = this._deps;
    const now = d.now();
    if (this._leaseUntil - now > d.leaseMs / 2) return true;
    const until = now + d.leaseMs;
    if (!(await d.store.renewWebhookLease(this._ep.id, this._token, until))) return false;
    this._leaseUntil = until;
    return true;
  }
}
