// Stats aggregates: the roll-up adds rows and moves its position in one transaction, refused
// when another roll-up (another process) moved the position first; queries read buckets.
import { COUNTERS, type Counts, type Dimension, type Granularity, type StatsRow } from '../../domain/stats/rollup.js';
import type { StatsBatch, StatsRange } from '../store.js';
import type { SqliteDb } from './db.js';

// Column names come from the COUNTERS constant, never from input.
const COLUMNS = COUNTERS.join(', ');
const UPSERT = `INSERT INTO stats_buckets (tenant_id, granularity, dim, bucket, key, ${COLUMNS})
  VALUES (?, ?, ?, ?, ?, ${COUNTERS.map(() => '?').join(', ')})
  ON CONFLICT (tenant_id, granularity, dim, bucket, key) DO UPDATE SET ${COUNTERS.map((c) => `${c} = ${c} + excluded.${c}`).join(', ')}`;

export function getStatsCursor(s: SqliteDb, tenantId: string): Promise<string | undefined> {
  return s.read(() => (s.stmt('SELECT cursor FROM stats_cursors WHERE tenant_id = ?').get(tenantId) as { cursor: string } | undefined)?.cursor);
}

export function applyStats(s: SqliteDb, b: StatsBatch): Promise<boolean> {
  return s.write(() => {
    const current = (s.stmt('SELECT cursor FROM stats_cursors WHERE tenant_id = ?').get(b.tenantId) as { cursor: string } | undefined)?.cursor;
    if (current !== b.expectCursor) return false;
    const upsert = s.stmt(UPSERT);
    for (const r of b.rows) upsert.run(b.tenantId, r.granularity, r.dim, r.bucket, r.key, ...COUNTERS.map((c) => r.counts[c] ?? 0));
    s.stmt('INSERT INTO stats_cursors (tenant_id, cursor) VALUES (?, ?) ON CONFLICT (tenant_id) DO UPDATE SET cursor = excluded.cursor').run(b.tenantId, b.cursor);
    return true;
  });
}

type BucketRow = { granularity: Granularity; dim: Dimension; key: string; bucket: number } & Record<string, number>;

export function toStatsRow(r: BucketRow): StatsRow {
  const counts: Counts = {};
  for (const c of COUNTERS) if (r[c]) counts[c] = Number(r[c]);
  return { granularity: r.granularity, dim: r.dim, key: r.key, bucket: Number(r.bucket), counts };
}

const RANGE = 'tenant_id = @tenant AND granularity = @granularity AND dim = @dim AND bucket >= @from AND bucket < @to';
const params = (q: StatsRange): Record<string, unknown> => ({ tenant: q.tenantId, granularity: q.granularity, dim: q.dim, from: q.from, to: q.to });

export function queryStats(s: SqliteDb, q: StatsRange): Promise<StatsRow[]> {
  return s.read(() => {
    const base = `SELECT granularity, dim, key, bucket, ${COLUMNS} FROM stats_buckets WHERE ${RANGE}`;
    const rows =
      q.keys === undefined
        ? s.stmt(base).all(params(q))
        : s.stmt(`${base} AND key IN (SELECT value FROM json_each(@keys))`).all({ ...params(q), keys: JSON.stringify(q.keys) });
    return (rows as BucketRow[]).map(toStatsRow);
  });
}

export function rankStatsKeys(s: SqliteDb, q: StatsRange, limit: number): Promise<{ keys: string[]; total: number }> {
  return s.read(() => {
    const ranked = s
      .stmt(`SELECT key, sum(queued) AS q, sum(delivered) AS d FROM stats_buckets WHERE ${RANGE} GROUP BY key ORDER BY q DESC, d DESC, key`)
      .all(params(q)) as Array<{ key: string }>;
    return { keys: ranked.slice(0, limit).map((r) => r.key), total: ranked.length };
  });
}
