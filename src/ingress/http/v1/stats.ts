// GET /v1/stats: counts per event type and rates over a time range, by hour or day, optionally
// for one tag or recipient domain or grouped by them. Read from the aggregate tables the stats
// roll-up maintains, so the cost depends on the number of buckets, not of events.
import type { FastifyInstance } from 'fastify';
import { parseStatsQuery, statsView } from '../../../domain/stats/query.js';
import { requireScope } from '../../auth.js';
import type { HttpDeps } from '../deps.js';
import { authOf } from './index.js';

export async function statsRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  app.get<{ Querystring: Record<string, string | undefined> }>('/stats', async (req) => {
    const auth = authOf(req);
    requireScope(auth, 'read');
    const q = parseStatsQuery(req.query, deps.now());
    const range = { tenantId: auth.tenantId, granularity: q.interval, from: q.from, to: q.to };
    const overall = await deps.store.queryStats(q.filter ? { ...range, dim: q.filter.dim, keys: [q.filter.key] } : { ...range, dim: '' });
    if (!q.groupBy) return statsView(q, overall);
    // Rank the keys in the database, then read only the rows of the ones shown.
    const top = q.filter ? { keys: [q.filter.key], total: overall.length > 0 ? 1 : 0 } : await deps.store.rankStatsKeys({ ...range, dim: q.groupBy }, q.limit);
    const grouped = q.filter ? overall : await deps.store.queryStats({ ...range, dim: q.groupBy, keys: top.keys });
    return statsView(q, overall, grouped, top.total);
  });
}
