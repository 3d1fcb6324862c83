// The worker role in a thread of its own, so that delivery (SMTP sessions, claims, outcomes)
// and ingress (HTTP, MIME composition, acceptance) use both cores of one process. The
// thread opens its own store connection; for SQLite that is a second connection to the same
// WAL file, for PostgreSQL a pool of its own, exactly like a separate worker process.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Config } from './config/schema.js';
import { createLogger } from './lib/logger.js';
import { openStore } from './store/open.js';
import { createWorkerRole, type WorkerRole } from './worker.js';
import type { MetricsJson } from './metrics/http.js';
import { TxMetrics } from './metrics/metrics.js';
import { instrumentStore } from './metrics/store-probe.js';
import { watchStore } from './metrics/store-gauges.js';

// Metrics: the main thread asks for the thread's registry as JSON at each scrape and merges it
// (prom-client's AggregatorRegistry). Asking rather than pushing costs nothing between scrapes.
type ToThread = 'wake' | 'stop' | { type: 'metrics'; id: number };
type FromThread = { type: 'ready' } | { type: 'stopped' } | { type: 'failed'; message: string } | { type: 'metrics'; id: number; data: MetricsJson };

/** A scrape does not wait longer than this for the worker thread; it answers without its figures. */
const METRICS_TIMEOUT_MS = 2000;

/** The main thread's handle on the worker thread. */
export class ThreadedWorker implements WorkerRole {
  private worker: Worker | undefined;
  private wakePosted = false;
  private stopping = false;
  private metricsAsked = 0;

  constructor(
    private readonly config: Config,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    this.stopping = false;
    const worker = new Worker(new URL('./worker-thread.js', import.meta.url), { workerData: { config: this.config } });
    this.worker = worker;
    await new Promise<void>((resolve, reject) => {
      const onMessage = (m: FromThread): void => {
        if (m.type === 'ready') resolve();
        if (m.type === 'failed') reject(new Error(`worker thread failed to start: ${m.message}`));
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
    worker.on('error', (err) => this.log.error({ err }, 'worker thread error'));
    worker.once('exit', (code) => {
      if (this.stopping) return;
      // The thread's leases expire and its deliveries are retried; bring a new thread up.
      this.log.error({ code }, 'worker thread exited; restarting it');
      setTimeout(() => void this.start().catch((err: unknown) => this.log.error({ err }, 'restarting the worker thread failed')), 1000).unref();
    });
  }

  wake(): void {
    // Many acceptances in one tick need one wake-up.
    if (this.wakePosted || !this.worker) return;
    this.wakePosted = true;
    setImmediate(() => {
      this.wakePosted = false;
      this.worker?.postMessage('wake' satisfies ToThread);
    });
  }

  /** The thread's metrics (empty when metrics are off, the thread is down or does not answer in time). */
  async metrics(): Promise<MetricsJson[]> {
    const worker = this.worker;
    if (!worker || !this.config.metrics.enabled) return [];
    const id = ++this.metricsAsked;
    return new Promise((resolve) => {
      const done = (data: MetricsJson[]): void => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        resolve(data);
      };
      const onMessage = (m: FromThread): void => {
        if (m.type === 'metrics' && m.id === id) done([m.data]);
      };
      const timer = setTimeout(() => done([]), METRICS_TIMEOUT_MS);
      worker.on('message', onMessage);
      worker.postMessage({ type: 'metrics', id } satisfies ToThread);
    });
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.stopping = true;
    const stopped = new Promise<void>((resolve) => {
      worker.on('message', (m: FromThread) => m.type === 'stopped' && resolve());
      worker.once('exit', () => resolve());
    });
    worker.postMessage('stop' satisfies ToThread);
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, 15_000).unref());
    await Promise.race([stopped, timeout]);
    await worker.terminate();
    this.worker = undefined;
  }
}

async function runThread(config: Config): Promise<void> {
  const port = parentPort!;
  const log = createLogger(config.log.level).child({ thread: 'worker' });
  try {
    const m = config.metrics;
    const metrics = m.enabled ? new TxMetrics({ thread: 'worker', maxDestinations: m.max_destinations, maxWebhooks: m.max_webhooks }) : undefined;
    const opened = await openStore(config.database_url, config.data_dir, { poolSize: config.database_pool_size });
    const store = metrics ? instrumentStore(opened, metrics, () => Date.now()) : opened;
    if (metrics) watchStore(store, metrics, () => Date.now(), m.cache_ms);
    const role = createWorkerRole(config, store, log, metrics ? { metrics } : {});
    await role.start();
    port.on('message', (m: ToThread) => {
      if (m === 'wake') role.wake();
      if (typeof m === 'object' && m.type === 'metrics' && metrics) {
        void metrics.registry.getMetricsAsJSON().then((data) => port.postMessage({ type: 'metrics', id: m.id, data } satisfies FromThread));
      }
      if (m === 'stop') {
        void (async () => {
          await role.stop();
          await store.close();
          log.flush();
          port.postMessage({ type: 'stopped' } satisfies FromThread);
        })();
      }
    });
    port.postMessage({ type: 'ready' } satisfies FromThread);
  } catch (e) {
    port.postMessage({ type: 'failed', message: (e as Error).message } satisfies FromThread);
  }
}

if (!isMainThread && parentPort && (workerData as { config?: Config } | null)?.config) {
  void runThread((workerData as { config: Config }).config);
}
