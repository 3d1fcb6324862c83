// The composition root: builds the store, the ingress and the workers from a validated
// Config, and starts or stops them for the roles this process runs.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config/schema.js';
import { createNodeDnsPort, type DnsPort } from './delivery/dns/dns-port.js';
import { DomainDirectory } from './deliverability/directory.js';
import { secretsLoader } from './lib/secrets.js';
import { senderDomainHook } from './deliverability/sender-check.js';
import { DomainService } from './deliverability/service.js';
import { startBounceListener, type BounceListener } from './feedback/listener.js';
import { FeedbackProcessor } from './feedback/processor.js';
import { unsubscribePlugin } from './feedback/unsubscribe-http.js';
import { checkWebhookTarget } from './events/webhook-post.js';
import { TrackingHook } from './feedback/tracking-hook.js';
import { trackingHost } from './feedback/tracking-host.js';
import { ApiKeyVerifier } from './ingress/auth.js';
import { buildHttpApp, type HttpPlugin } from './ingress/http/app.js';
import { SendService } from './ingress/send.js';
import { tenantStatusHook } from './ingress/tenant-status-hook.js';
import { submissionFromConfig, type SubmissionServer } from './ingress/smtp/server.js';
import { TemplateService } from './ingress/templates.js';
import { compatPlugins } from './ingress/http/compat/index.js';
import { createLogger } from './lib/logger.js';
import { systemClock, type Clock, type Connector, type OutboundPreparer, type TargetResolver } from './queue/ports.js';
import { createWorkerRole, type WorkerRole } from './worker.js';
import { ThreadedWorker } from './worker-thread.js';
import { ComposePool } from './compose/pool.js';
import { openStore } from './store/open.js';
import type { Store } from './store/store.js';
import { metricsExposure } from './config/load.js';
import { metricsRoute, startMetricsListener, type MetricsEndpoint } from './metrics/http.js';
import { TxMetrics } from './metrics/metrics.js';
import { instrumentStore } from './metrics/store-probe.js';
import { watchStore } from './metrics/store-gauges.js';

export interface AppOptions {
  readonly config: Config;
  readonly log?: Logger;
  readonly clock?: Clock;
  readonly store?: Store;
  readonly resolver?: TargetResolver;
  readonly connector?: Connector;
  readonly preparer?: OutboundPreparer;
  readonly httpPlugins?: readonly HttpPlugin[];
  /** DNS for domain verification; the resolver of `dns.*` otherwise. */
  readonly dns?: DnsPort;
}

export interface App {
  readonly config: Config;
  readonly store: Store;
  readonly log: Logger;
  readonly http: FastifyInstance | undefined;
  readonly worker: WorkerRole | undefined;
  readonly send: SendService;
  readonly domains: DomainService;
  readonly feedback: FeedbackProcessor;
  /** The bounce listener, once started (api role with bounce.enabled). */
  readonly bounce: BounceListener | undefined;
  readonly submission: SubmissionServer | undefined;
  /** `http://host:port` once listening. */
  httpUrl(): string;
  /** `http://host:port` of the metrics listener of its own (metrics.host), once listening. */
  metricsUrl(): string;
  /** Host and port of the SMTP submission listener once listening. */
  submissionAddress(): { host: string; port: number };
  start(): Promise<void>;
  stop(): Promise<void>;
}

const MAX_SCHEDULE_AHEAD_MS = 30 * 86400 * 1000;

export async function createApp(opts: AppOptions): Promise<App> {
  const { config } = opts;
  const log = opts.log ?? createLogger(config.log.level);
  const clock = opts.clock ?? systemClock;
  const opened = opts.store ?? (await openStore(config.database_url, config.data_dir, { poolSize: config.database_pool_size }));
  await opened.migrate();
  const mc = config.metrics;
  const exposure = metricsExposure(mc.enabled, mc.token, mc.host, config.role);
  if (exposure) throw new Error(exposure);
  const metrics = mc.enabled ? new TxMetrics({ thread: 'main', maxDestinations: mc.max_destinations, maxWebhooks: mc.max_webhooks }) : undefined;
  const store = metrics ? instrumentStore(opened, metrics, () => clock.now()) : opened;
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
          ...(metrics ? { metrics } : {}),
        });
  // Queue and webhook gauges read the store (synchronously, on SQLite): in the worker thread when
  // there is one (worker-thread.ts), so counting a large queue never stalls ingress.
  if (metrics && !(worker instanceof ThreadedWorker)) watchStore(store, metrics, () => clock.now(), mc.cache_ms);
  const metricsEndpoint: MetricsEndpoint | undefined = metrics && {
    metrics,
    token: mc.token,
    others: async () => (worker instanceof ThreadedWorker ? worker.metrics() : []),
  };

  const now = (): number => clock.now();
  const directory = new DomainDirectory(store, config.domains.cache_s * 1000, now);
  const secrets = secretsLoader(store);
  const domains = new DomainService({
    store,
    dns: opts.dns ?? createNodeDnsPort(config.dns),
    config,
    now,
    sealKey: async () => (await secrets()).seal,
    onChange: (tenantId) => directory.invalidate(tenantId),
  });
  const feedback = new FeedbackProcessor({ store, secrets, bounceLabel: config.domains.bounce_subdomain, now, log: log.child({ component: 'feedback' }) });

  const tracking = new TrackingHook({ store, publicUrl: config.public_url, now });
  const composer = new ComposePool({ threads: config.limits.compose_threads, offloadBytes: config.limits.compose_offload_bytes });
  const send = new SendService({
    store,
    hostname: config.hostname,
    now,
    maxMessageBytes: config.limits.max_message_bytes,
    idempotencyTtlMs: config.idempotency.ttl_s * 1000,
    onAccepted: (n, ingress) => {
      worker?.wake();
      metrics?.accepted.inc({ ingress: ingress ?? 'http' }, n);
    },
    hooks: [
      tenantStatusHook(store, now),
      senderDomainHook({ directory, store, allowUnverified: config.domains.allow_unverified_senders, claimTtlMs: config.domains.claim_ttl_s * 1000, now }),
      tracking,
    ],
    compose: composer.compose,
  });

  const templates = new TemplateService(store, config.templates.strict, {
    maxOutputChars: config.templates.max_output_chars,
    maxWorkChars: config.templates.max_work_chars,
  });
  const keys = new ApiKeyVerifier(store);
  // SMTP submission belongs to the api role, on this (main) thread like HTTP.
  const submission =
    runsApi && config.submission.enabled
      ? submissionFromConfig(config, { keys, send, log: log.child({ component: 'submission' }), now: () => clock.now() })
      : undefined;
  let started = false;
  const http = runsApi
    ? await buildHttpApp(
        {
          store,
          send,
          templates,
          keys,
          log: log.child({ component: 'http' }),
          now: () => clock.now(),
          limits: {
            maxMessageBytes: config.limits.max_message_bytes,
            maxRecipients: config.limits.max_recipients,
            maxRequestRecipients: config.limits.max_request_recipients,
            maxScheduleAheadMs: MAX_SCHEDULE_AHEAD_MS,
          },
          ready: async () => started && (await store.nextDueAt().then(() => true)),
          domains,
          eventsOut: {
            maxBatch: config.webhooks.max_batch,
            checkWebhookUrl: (url) => checkWebhookTarget(url, config.webhooks.allow_private_targets),
            onTrackingChanged: (tenantId) => tracking.invalidate(tenantId),
          },
        },
        [
          ...(await compatPlugins(store)),
          trackingHost({
            store,
            publicUrl: config.public_url,
            now,
            clickWindowMs: config.tracking.click_window_s * 1000,
            trustForwardedFor: config.tracking.trust_forwarded_for,
            eventLimits: { perDelivery: config.tracking.max_events_per_delivery_per_minute, perIp: config.tracking.max_events_per_ip_per_minute },
            log: log.child({ component: 'tracking' }),
          }),
          ...(opts.httpPlugins ?? []),
          // On the main listener only with a token (metricsExposure); else on a listener of its own.
          ...(metricsEndpoint && !mc.host ? [async (scope: FastifyInstance) => metricsRoute(scope, metricsEndpoint)] : []),
          unsubscribePlugin(feedback, new URL(config.public_url).pathname),
        ],
      )
    : undefined;

  let housekeeping: NodeJS.Timeout | undefined;
  let metricsListener: FastifyInstance | undefined;
  let bounce: BounceListener | undefined;
  const app: App = {
    config,
    store,
    log,
    http,
    worker,
    send,
    domains,
    feedback,
    get bounce() {
      return bounce;
    },
    submission,
    submissionAddress() {
      if (!submission) throw new Error('the SMTP submission listener is not running');
      return submission.address();
    },
    metricsUrl() {
      const addr = metricsListener?.server.address();
      if (!addr || typeof addr === 'string') throw new Error('no metrics listener of its own is running');
      return `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
    },
    httpUrl() {
      const addr = http?.server.address();
      if (!addr || typeof addr === 'string') throw new Error('HTTP is not listening');
      return `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
    },
    async start() {
      if (http) await http.listen({ host: config.http.host, port: config.http.port });
      if (metricsEndpoint && mc.host) metricsListener = await startMetricsListener(metricsEndpoint, mc.host, mc.port);
      if (runsApi && config.bounce.enabled) {
        bounce = await startBounceListener({
          host: config.bounce.host,
          port: config.bounce.port,
          hostname: config.bounce.mx_host || config.hostname,
          maxMessageBytes: config.bounce.max_message_bytes,
          deadlines: { commandTimeoutMs: config.bounce.command_timeout_s * 1000, minDataRate: config.bounce.min_data_rate },
          processor: feedback,
          log: log.child({ component: 'bounce' }),
        });
      }
      await submission?.listen();
      await worker?.start();
      housekeeping = setInterval(() => void store.purgeIdempotency(clock.now()).catch(() => undefined), 3600_000);
      housekeeping.unref();
      started = true;
      const smtp = submission ? app.submissionAddress() : null;
      log.info(
        { role: config.role, http: http ? app.httpUrl() : null, submission: smtp && `${smtp.host}:${smtp.port}`, bounce: bounce?.port ?? null, store: store.kind },
        'txmail started',
      );
    },
    async stop() {
      started = false;
      clearInterval(housekeeping);
      // Ingress first, so nothing new is accepted while the rest shuts down.
      await Promise.all([http?.close(), submission?.close(), bounce?.close(), metricsListener?.close()]);
      metricsListener = undefined;
      bounce = undefined;
      await worker?.stop();
      await composer.close();
      await store.close();
      metrics?.close();
      log.info('txmail stopped');
      log.flush();
    },
  };
  return app;
}
