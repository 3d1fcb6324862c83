// A Store seen through metrics: the same object, with the writes the metrics care about timed
// and counted on their way through. Wrapping the interface keeps the adapters and the queue
// free of metrics code, and measures what callers wait for (queueing for the writer included).
import type { AcceptRequest, ClaimRequest, FeedbackRecord, LeaseRef, OutcomeRecord, Store, WebhookProgress } from '../store/store.js';
import type { TxMetrics } from './metrics.js';

type Timed = 'acceptMessages' | 'recordOutcomes' | 'claimDue' | 'recordWebhookProgress' | 'applyStats';

/** Deliveries held by this thread (claimed, no outcome yet) remember when they were accepted. */
const MAX_TRACKED = 200_000;

export function instrumentStore(store: Store, metrics: TxMetrics, now: () => number): Store {
  const acceptedAt = new Map<string, number>();
  const timed = async <T>(op: Timed, items: number, run: () => Promise<T>): Promise<T> => {
    const end = metrics.commit.startTimer({ op });
    try {
      return await run();
    } finally {
      end();
      metrics.batch.observe({ op }, items);
    }
  };
  const overrides: Partial<Store> = {
    acceptMessages: (req: AcceptRequest) => timed('acceptMessages', req.messages.length, () => store.acceptMessages(req)),
    claimDue: async (req: ClaimRequest) => {
      const claimed = await timed('claimDue', req.limit, () => store.claimDue(req));
      if (acceptedAt.size < MAX_TRACKED) for (const d of claimed) acceptedAt.set(d.id, d.acceptedAt);
      return claimed;
    },
    releaseLeases: async (owner: string, leases: readonly LeaseRef[], at: number) => {
      for (const l of leases) acceptedAt.delete(l.deliveryId);
      return store.releaseLeases(owner, leases, at);
    },
    recordOutcomes: async (outcomes: readonly OutcomeRecord[]) => {
      const applied = await timed('recordOutcomes', outcomes.length, () => store.recordOutcomes(outcomes));
      const t = now();
      outcomes.forEach((o, i) => {
        const since = acceptedAt.get(o.deliveryId);
        acceptedAt.delete(o.deliveryId);
        // An outcome that lost its lease to another worker was not recorded: not counted either.
        if (!applied[i]) return;
        metrics.deliveries.inc({ outcome: o.state, class: o.bounceClass ?? '', reason: o.reason ?? '' });
        if (o.state === 'delivered' && since !== undefined) metrics.endToEnd.observe(Math.max(0, t - since) / 1000);
      });
      return applied;
    },
    recordWebhookProgress: async (p: WebhookProgress) => {
      const ok = await timed('recordWebhookProgress', p.outcome.kind === 'advanced' ? p.outcome.sent : 0, () => store.recordWebhookProgress(p));
      if (p.outcome.kind !== 'advanced') metrics.webhookFailed(p.webhookId);
      return ok;
    },
    recordFeedback: async (f: FeedbackRecord) => {
      const r = await store.recordFeedback(f);
      // A bounce for an unknown delivery writes nothing; a complaint or unsubscribe still counts.
      if (r === 'recorded' || (r === 'unknown_delivery' && !f.bounce)) {
        metrics.feedback.inc({ type: f.event.type });
        // An asynchronous bounce makes the delivery bounced after all: counted with the others.
        if (f.bounce) metrics.deliveries.inc({ outcome: 'bounced', class: f.bounce.class, reason: f.bounce.reason });
      }
      return r;
    },
    applyStats: (b) => timed('applyStats', b.rows.length, () => store.applyStats(b)),
  };
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && prop in overrides) return overrides[prop as keyof Store];
      const v: unknown = Reflect.get(target, prop, receiver);
      // Adapter methods may rely on `this`; bind them to the real store.
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
