// GET /metrics: the Prometheus text exposition of this process, the worker thread's figures
// merged in. Served on the main HTTP listener behind a bearer token, or on a listener of its own
// (metrics.host, e.g. an admin address), where the token is optional.
import { timingSafeEqual, createHash } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { TxError } from '../domain/errors.js';
import { sendError } from '../ingress/http/errors.js';
import type { TxMetrics } from './metrics.js';

export type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

export interface MetricsEndpoint {
  readonly metrics: TxMetrics;
  /** Empty: no token asked (only on a listener of its own). */
  readonly token: string;
  /** The other threads' metrics (the worker thread with role all). */
  readonly others: () => Promise<MetricsJson[]>;
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Counters and histograms of the threads are summed; no metric name is reported by two threads otherwise. */
export async function renderMetrics(ep: MetricsEndpoint): Promise<{ contentType: string; body: string }> {
  const own = await ep.metrics.registry.getMetricsAsJSON();
  const others = await ep.others();
  if (others.length === 0) return { contentType: ep.metrics.registry.contentType, body: await ep.metrics.registry.metrics() };
  const merged = AggregatorRegistry.aggregate([own, ...others]);
  return { contentType: merged.contentType, body: await merged.metrics() };
}

export function metricsRoute(app: FastifyInstance, ep: MetricsEndpoint): void {
  const want = ep.token ? digest(ep.token) : undefined;
  app.get('/metrics', async (req, reply) => {
    if (want) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
      // Compared as digests, in constant time: the token is a secret.
      if (!m || !timingSafeEqual(digest(m[1]!), want)) {
        return sendError(reply.header('WWW-Authenticate', 'Bearer realm="metrics"'), new TxError('TX_ERR_UNAUTHENTICATED', 'Missing or wrong metrics token: send "Authorization: Bearer <metrics.token>".'));
      }
    }
    const { contentType, body } = await renderMetrics(ep);
    return reply.header('Content-Type', contentType).header('Cache-Control', 'no-store').send(body);
  });
}

/** A listener of its own for /metrics (any role, the worker role included). */
export async function startMetricsListener(ep: MetricsEndpoint, host: string, port: number): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  metricsRoute(app, ep);
  await app.listen({ host, port });
  return app;
}
