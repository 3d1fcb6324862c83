// The composition root: builds the store, the ingress and the workers from a validated
// Config, and starts or stops them for the roles this process runs.
import type { FastifyInstance } from 'fastify';
import { hostname as osHostname } from 'node:os';
import type { Logger } from 'pino';
import type { Config } from './config/schema.js';
import { SmtpSession } from './delivery/smtp-session.js';
import { createTargetResolver } from './delivery/targets.js';
import { ApiKeyVerifier } from './ingress/auth.js';
import { buildHttpApp, type HttpPlugin } from './ingress/http/app.js';
import { SendService } from './ingress/send.js';
import { newShortId } from './lib/ids.js';
import { createLogger } from './lib/logger.js';
import { matchOverride } from './domain/routing/index.js';
import { passThroughPreparer, systemClock, type Clock, type Connector, type OutboundPreparer, type TargetResolver } from './queue/ports.js';
import { Scheduler } from './queue/scheduler.js';
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
  readonly scheduler: Scheduler | undefined;
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
  const store = opts.store ?? (await openStore(config.database_url, config.data_dir));
  await store.migrate();
  const runsApi = config.role !== 'worker';
  const runsWorker = config.role !== 'api';

  const d = config.delivery;
  const scheduler = runsWorker
    ? new Scheduler(
        {
          owner: `${osHostname()}:${process.pid}:${newShortId(6)}`,
          maxHeld: config.worker.max_held,
          maxHeldPerDestination: config.worker.max_held_per_destination,
          leaseMs: config.worker.lease_s * 1000,
          pollMs: config.worker.poll_ms,
          maxConnections: d.max_connections,
          connectionsFor: (domain) => matchOverride(d.destinations, domain)?.maxConnections ?? d.max_connections_per_destination,
          recipientsPerTransaction: d.recipients_per_transaction,
          idleMs: d.idle_connection_s * 1000,
          retry: {
            firstDelayS: d.retry.first_delay_s,
            factor: d.retry.factor,
            maxDelayS: d.retry.max_delay_s,
            maxLifetimeS: d.retry.max_lifetime_s,
          },
          deadBackoffMs: d.dead_destination_backoff_s * 1000,
        },
        {
          store,
          resolver: opts.resolver ?? createTargetResolver(config),
          connector: opts.connector ?? {
            open: (target) =>
              SmtpSession.open(target, {
                hostname: config.hostname,
                timeouts: {
                  connectMs: d.timeouts.connect_s * 1000,
                  greetingMs: d.timeouts.greeting_s * 1000,
                  commandMs: d.timeouts.command_s * 1000,
                  dataBlockMs: d.timeouts.data_block_s * 1000,
                  dataEndMs: d.timeouts.data_end_s * 1000,
                },
              }),
          },
          preparer: opts.preparer ?? passThroughPreparer,
          clock,
          log: log.child({ component: 'queue' }),
        },
      )
    : undefined;

  const send = new SendService({
    store,
    hostname: config.hostname,
    now: () => clock.now(),
    maxMessageBytes: config.limits.max_message_bytes,
    idempotencyTtlMs: config.idempotency.ttl_s * 1000,
    onAccepted: () => scheduler?.wake(),
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
    scheduler,
    send,
    httpUrl() {
      const addr = http?.server.address();
      if (!addr || typeof addr === 'string') throw new Error('HTTP is not listening');
      return `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
    },
    async start() {
      if (http) await http.listen({ host: config.http.host, port: config.http.port });
      scheduler?.start();
      housekeeping = setInterval(() => void store.purgeIdempotency(clock.now()).catch(() => undefined), 3600_000);
      housekeeping.unref();
      started = true;
      log.info({ role: config.role, http: http ? app.httpUrl() : null, store: store.kind }, 'txmail started');
    },
    async stop() {
      started = false;
      clearInterval(housekeeping);
      if (http) await http.close();
      await scheduler?.stop();
      await store.close();
      log.info('txmail stopped');
      log.flush();
    },
  };
  return app;
}
