// Composition of the worker role: a Scheduler wired to the store, the MX resolver, the SMTP
// client and the outbound preparer. Used in-process and inside the worker thread alike.
import { hostname as osHostname } from 'node:os';
import type { Logger } from 'pino';
import type { Config } from './config/schema.js';
import { SmtpSession } from './delivery/smtp-session.js';
import { StatsRollup } from './events/stats-rollup.js';
import { WebhookDispatcher } from './events/webhook-dispatcher.js';
import { createTargetResolver } from './delivery/targets.js';
import { matchOverride } from './domain/routing/index.js';
import { DomainDirectory } from './deliverability/directory.js';
import { DeliverabilityPreparer } from './deliverability/preparer.js';
import { secretsLoader } from './lib/secrets.js';
import { newShortId } from './lib/ids.js';
import { systemClock, type Clock, type Connector, type OutboundPreparer, type TargetResolver } from './queue/ports.js';
import { Liveness } from './queue/liveness.js';
import { RetentionService } from './queue/retention.js';
import { Scheduler } from './queue/scheduler.js';
import type { Store } from './store/store.js';
import type { TxMetrics } from './metrics/metrics.js';
import { probeConnector, watchConnections } from './metrics/worker-probe.js';

/** What a process's worker role offers the rest of the app, wherever it runs. */
export interface WorkerRole {
  start(): Promise<void>;
  /** New work may be due. */
  wake(): void;
  stop(): Promise<void>;
}

export interface WorkerParts {
  readonly resolver?: TargetResolver;
  readonly connector?: Connector;
  readonly preparer?: OutboundPreparer;
  readonly clock?: Clock;
  /** Set when metrics are on: SMTP transactions are timed and connections counted. */
  readonly metrics?: TxMetrics;
}

/** VERP return paths, List-Unsubscribe and DKIM signatures (src/deliverability/preparer.ts). */
export function createPreparer(config: Config, store: Store, clock: Clock): OutboundPreparer {
  const now = (): number => clock.now();
  return new DeliverabilityPreparer({ directory: new DomainDirectory(store, config.domains.cache_s * 1000, now), secrets: secretsLoader(store), config, now });
}

/** The name a worker role's leases and heartbeat carry: host:pid:random (tests read the pid). */
export function newWorkerOwner(): string {
  return `${osHostname()}:${process.pid}:${newShortId(6)}`;
}

export function createScheduler(config: Config, store: Store, log: Logger, parts: WorkerParts = {}, owner = newWorkerOwner()): Scheduler {
  const d = config.delivery;
  return new Scheduler(
    {
      owner,
      maxHeld: config.worker.max_held,
      maxHeldPerDestination: config.worker.max_held_per_destination,
      leaseMs: config.worker.lease_s * 1000,
      slotLeaseMs: config.worker.slot_lease_s * 1000,
      pollMs: config.worker.poll_ms,
      maxConnections: d.max_connections,
      connectionsFor: (domain) => matchOverride(d.destinations, domain)?.maxConnections ?? d.max_connections_per_destination,
      recipientsPerTransaction: d.recipients_per_transaction,
      idleMs: d.idle_connection_s * 1000,
      retry: { firstDelayS: d.retry.first_delay_s, factor: d.retry.factor, maxDelayS: d.retry.max_delay_s, maxLifetimeS: d.retry.max_lifetime_s },
      deadBackoffMs: d.dead_destination_backoff_s * 1000,
    },
    {
      store,
      resolver: parts.resolver ?? createTargetResolver(config),
      connector: withMetrics(parts.metrics, parts.connector ?? {
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
      }),
      preparer: parts.preparer ?? createPreparer(config, store, parts.clock ?? systemClock),
      clock: parts.clock ?? systemClock,
      log,
    },
  );
}

function withMetrics(metrics: TxMetrics | undefined, connector: Connector): Connector {
  return metrics ? probeConnector(connector, metrics) : connector;
}

/** A background task of the worker role besides delivery (webhook dispatch, stats roll-up...). */
export interface BackgroundService {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Everything the worker role runs, on whichever thread calls this. */
export function createWorkerRole(config: Config, store: Store, log: Logger, parts: WorkerParts = {}): WorkerRole {
  // One owner for every lease of this worker role (deliveries, slots, webhook endpoints), so one
  // heartbeat vouches for all of them and a takeover frees all of them.
  const owner = newWorkerOwner();
  const clock = parts.clock ?? systemClock;
  const scheduler = createScheduler(config, store, log.child({ component: 'queue' }), parts, owner);
  const liveness = new Liveness(
    // The embedded store has one process: whatever holds a lease at start died with the last one.
    { owner, deadAfterMs: config.worker.dead_after_s * 1000, soleOwner: store.kind === 'sqlite', onTakeOver: () => scheduler.wake() },
    store,
    clock,
    log.child({ component: 'liveness' }),
  );
  if (parts.metrics) watchConnections(scheduler, parts.metrics);
  // Later features add their services here.
  const r = config.retention;
  const services: BackgroundService[] = [
    new WebhookDispatcher({ store, owner, log: log.child({ component: 'webhooks' }), config: config.webhooks, ...(parts.clock ? { now: () => parts.clock!.now() } : {}) }),
    new StatsRollup({ store, log: log.child({ component: 'stats' }), intervalMs: config.stats.rollup_interval_ms, batch: config.stats.rollup_batch }),
    new RetentionService({ days: r.days, batch: r.batch, intervalMs: r.interval_s * 1000 }, store, clock, log.child({ component: 'retention' })),
  ];
  return {
    async start() {
      await liveness.start();
      scheduler.start();
      for (const s of services) await s.start();
    },
    wake: () => scheduler.wake(),
    async stop() {
      for (const s of [...services].reverse()) await s.stop();
      await scheduler.stop();
      liveness.stop();
    },
  };
}
