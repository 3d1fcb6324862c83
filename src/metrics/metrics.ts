// The metrics of one thread: a prom-client Registry of its own (never the global one, so
// several apps in one test process do not collide) and the instruments the shells feed.
// With role `all` the worker role runs in a thread of its own with its own TxMetrics; the
// main thread merges that thread's figures into each scrape (thread-merge.ts).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type Ingress = 'http' | 'sendgrid' | 'ses' | 'postmark' | 'smtp';

/** Seconds: from a few milliseconds (a local relay) to days (a delivery retried until it expires). */
const LATENCY_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14400, 86400, 432000];
const ATTEMPT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const COMMIT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const BATCH_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

export interface MetricsOptions {
  /** `main` also collects the process metrics (CPU, memory, handles), which are per process. */
  readonly thread: 'main' | 'worker';
  readonly maxDestinations: number;
  readonly maxWebhooks: number;
}

export class TxMetrics {
  readonly registry = new Registry();
  readonly accepted: Counter<'ingress'>;
  readonly deliveries: Counter<'outcome' | 'class' | 'reason'>;
  readonly endToEnd: Histogram;
  readonly attempt: Histogram<'result'>;
  readonly commit: Histogram<'op'>;
  readonly batch: Histogram<'op'>;
  readonly webhookFailures: Counter<'endpoint'>;
  readonly feedback: Counter<'type'>;
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 20 });
  private readonly webhookLabels: BoundedLabels;

  constructor(readonly opts: MetricsOptions) {
    const registers = [this.registry];
    if (opts.thread === 'main') collectDefaultMetrics({ register: this.registry });
    this.accepted = new Counter({ name: 'txmail_messages_accepted_total', help: 'Messages accepted (durably committed), by ingress.', labelNames: ['ingress'], registers });
    this.deliveries = new Counter({
      name: 'txmail_deliveries_total',
      help: 'Delivery attempt outcomes recorded: delivered, deferred, bounced (by bounce class and reason), dropped.',
      labelNames: ['outcome', 'class', 'reason'],
      registers,
    });
    this.endToEnd = new Histogram({ name: 'txmail_delivery_latency_seconds', help: 'From acceptance to delivery (the remote 250), seconds.', buckets: LATENCY_BUCKETS, registers });
    this.attempt = new Histogram({
      name: 'txmail_smtp_attempt_duration_seconds',
      help: 'One SMTP transaction (MAIL FROM to the reply after DATA) on an open connection, seconds; result replied or failed.',
      labelNames: ['result'],
      buckets: ATTEMPT_BUCKETS,
      registers,
    });
    this.commit = new Histogram({ name: 'txmail_store_commit_seconds', help: 'Time of a store write (commit included), by operation, seconds.', labelNames: ['op'], buckets: COMMIT_BUCKETS, registers });
    this.batch = new Histogram({ name: 'txmail_store_batch_size', help: 'Items written by one store write (messages, outcomes, claimed deliveries), by operation.', labelNames: ['op'], buckets: BATCH_BUCKETS, registers });
    this.webhookFailures = new Counter({ name: 'txmail_webhook_failures_total', help: 'Failed webhook POSTs, by endpoint (the first endpoints seen; later ones as _other).', labelNames: ['endpoint'], registers });
    this.webhookLabels = new BoundedLabels(opts.maxWebhooks);
    this.feedback = new Counter({
      name: 'txmail_feedback_total',
      help: 'What came back after delivery and was recorded: asynchronous bounces (DSN), complaints (ARF), unsubscribes.',
      labelNames: ['type'],
      registers,
    });
    this.loopDelay.enable();
    const loop = this.loopDelay;
    new Gauge({
      name: 'txmail_event_loop_lag_seconds',
      help: 'Event-loop delay of each thread since the previous scrape: mean and 99th percentile, seconds.',
      labelNames: ['thread', 'stat'],
      registers,
      collect() {
        // A histogram that saw no sample reports NaN; no sample means no lag to report.
        const s = (ns: number): number => (Number.isFinite(ns) ? ns / 1e9 : 0);
        this.set({ thread: opts.thread, stat: 'mean' }, s(loop.mean));
        this.set({ thread: opts.thread, stat: 'p99' }, s(loop.percentile(99)));
        loop.reset();
      },
    });
  }

  webhookFailed(endpoint: string): void {
    this.webhookFailures.inc({ endpoint: this.webhookLabels.label(endpoint) });
  }

  close(): void {
    this.loopDelay.disable();
    this.registry.clear();
  }
}

/** Label values for an unbounded set of names: the first `max` keep their own, the rest share `_other`. */
export class BoundedLabels {
  private readonly seen = new Set<string>();
  constructor(private readonly max: number) {}

  label(name: string): string {
    if (this.seen.has(name)) return name;
    if (this.seen.size >= this.max) return OTHER;
    this.seen.add(name);
    return name;
  }
}

export const OTHER = '_other';

/** The `max` largest entries by value, the rest summed under `_other` (bounded label cardinality). */
export function topWithOther(entries: Iterable<readonly [string, number]>, max: number): Array<[string, number]> {
  const sorted = [...entries].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const top: Array<[string, number]> = sorted.slice(0, max).map(([k, v]) => [k, v]);
  const rest = sorted.slice(max).reduce((sum, [, v]) => sum + v, 0);
  if (sorted.length > max) top.push([OTHER, rest]);
  return top;
}
