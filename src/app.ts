// The composition root: builds the store, the ingress and the workers from a validated
// Config, and starts or stops them for the roles this process runs.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config/schema.js';
import { ApiKeyVerifier } from './ingress/auth.js';
import { buildHttpApp, type HttpPlugin } from './ingress/http/app.js';
import { SendService } from './ingress/send.js';
import { createLogger } from './lib/logger.js';
import { systemClock, type Clock, type Connector, type OutboundPreparer, type TargetResolver } from './queue/ports.js';
import { createWorkerRole, type WorkerRole } from './worker.js';
import { ThreadedWorker } from './worker-thread.js';
import { openStore } from './store/open.js';
import type { Store } from './store/store.js';

export interface AppOptions {
  readonly config: Config;
  readonly log?: Logger;
  readonly clock?: Clock;
  readonly store?: Store;
  readonly resolver?: TargetResolver;
  readonly connector?: Connector;
  readonly preparer?: OutboundPreparer;
  readonly httpPlugins?: readonly HttpPlugin[];
}

export interface App {
  readonly config: Config;
  readonly store: Store;
  readonly log: Logger;
  readonly http: FastifyInstance | undefined;
  readonly worker: WorkerRole | undefined;
  readonly send: SendService;
  /** `http://host:port` once listening. */
  httpUrl(): string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const MAX_SCHEDULE_AHEAD_MS = 30 * 86400 * 1000;

export async function createApp(opts: AppOptions): Promise<App> {
  const { config } = opts;
  const log = opts.log ?? createLogger(config.log.level);
  const clock = opts.clock ?? systemClock;
  const store = opts.store ?? (await openStore(config.database_url, config.data_dir, { poolSize: config.database_pool_size }));
  await store.migrate();
  const runsApi = config.role !== 'worker';
  const runsWorker = config.role !== 'api';

  // With role all the worker role runs in a thread of its own unless parts of it are injected
  // (tests) or the config keeps it on this thread. A worker-only process has nothing else to do
  // on its main thread, so the worker runs there (and needs no second pool).
  const injected = opts.resolver !== undefined || opts.connector !== undefined || opts.preparer !== undefined || opts.clock !== undefined;
  const worker: WorkerRole | undefined = !runsWorker
    ? undefined
    : config.worker.thread && runsApi && !injected
      ? new ThreadedWorker(config, log)
      : createWorkerRole(config, store, log, {
          ...(opts.resolver ? { resolver: opts.resolver } : {}),
          ...(opts.connector ? { connector: opts.connector } : {}),
          ...(opts.preparer ? { preparer: opts.preparer } : {}),
          ...(opts.clock ? { clock: opts.clock } : {}),
        });

  const send = new SendService({
    store,
    hostname: config.hostname,
    now: () => clock.now(),
    maxMessageBytes: config.limits.max_message_bytes,
    idempotencyTtlMs: config.idempotency.ttl_s * 1000,
    onAccepted: () => worker?.wake(),
  });

  let started = false;
  const http = runsApi
    ? await buildHttpApp(
        {
          store,
          send,
          keys: new ApiKeyVerifier(store),
          log: log.child({ component: 'http' }),
          now: () => clock.now(),
          limits: {
            maxMessageBytes: config.limits.max_message_bytes,
            maxRecipients: config.limits.max_recipients,
            maxScheduleAheadMs: MAX_SCHEDULE_AHEAD_MS,
          },
          ready: async () => started && (await store.nextDueAt().then(() => true)),
        },
        opts.httpPlugins ?? [],
      )
    : undefined;

  let housekeeping: NodeJS.Timeout | undefined;
  const app: App = {
    config,
    store,
    log,
    http,
    worker,
    send,
    httpUrl() {
      const addr = http?.server.address();
      if (!addr || typeof addr === 'string') throw new Error('HTTP is not listening');
      return `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
    },
    async start() {
      if (http) await http.listen({ host: config.http.host, port: config.http.port });
      await worker?.start();
      housekeeping = setInterval(() => void store.purgeIdempotency(clock.now()).catch(() => undefined), 3600_000);
      housekeeping.unref();
      started = true;
      log.info({ role: config.role, http: http ? app.httpUrl() : null, store: store.kind }, 'txmail started');
    },
    async stop() {
      started = false;
      clearInterval(housekeeping);
      if (http) await http.close();
      await worker?.stop();
      await store.close();
      log.info('txmail stopped');
      log.flush();
    },
  };
  return app;
}
