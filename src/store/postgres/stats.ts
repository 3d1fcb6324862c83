// Stats aggregates: the roll-up adds rows and moves its position in one transaction. The position
// is claimed first with a conditional write, so of two processes rolling up the same batch the
// second blocks on the first's row, then finds the position moved and writes nothing.
import { COUNTERS, type Counts, type Dimension, type Granularity, type StatsRow } from '../../domain/stats/rollup.js';
import type { StatsBatch, StatsRange } from '../store.js';
import type { PgDb } from './pool.js';

// Column names come from the COUNTERS constant, never from input.
const COLUMNS = COUNTERS.join(', ');
const UPSERT = `INSERT INTO stats_buckets (tenant_id, granularity, dim, bucket, key, ${COLUMNS})
  SELECT $1, g, d, b, k, ${COUNTERS.map((c) => `(cnt->>'${c}')::bigint`).join(', ')}
    FROM unnest($2::text[], $3::text[], $4::int8[], $5::text[], $6::jsonb[]) AS u(g, d, b, k, cnt)
  ON CONFLICT (tenant_id, granularity, dim, bucket, key) DO UPDATE SET ${COUNTERS.map((c) => `${c} = stats_buckets.${c} + excluded.${c}`).join(', ')}`;
// Rows per statement: bounds the size of one bind message.
const CHUNK = 5000;

export async function getStatsCursor(db: PgDb, tenantId: string): Promise<string | undefined> {
  const [r] = await db.query<{ cursor: string }>('SELECT cursor FROM stats_cursors WHERE tenant_id = $1', [tenantId]);
  return r?.cursor;
}

export async function applyStats(db: PgDb, b: StatsBatch): Promise<boolean> {
  return db.tx(async (c) => {
    const claimed =
      b.expectCursor === undefined
        ? await c.query('INSERT INTO stats_cursors (tenant_id, cursor) VALUES ($1, $2) ON CONFLICT (tenant_id) DO NOTHING', [b.tenantId, b.cursor])
        : await c.query('UPDATE stats_cursors SET cursor = $3 WHERE tenant_id = $1 AND cursor = $2', [b.tenantId, b.expectCursor, b.cursor]);
    if (claimed.rowCount !== 1) return false;
    for (let i = 0; i < b.rows.length; i += CHUNK) {
      const rows = b.rows.slice(i, i + CHUNK);
      const counts = rows.map((r) => {
        const full: Record<string, number> = {};
        for (const k of COUNTERS) full[k] = r.counts[k] ?? 0;
        return JSON.stringify(full);
      });
      await c.query(UPSERT, [b.tenantId, rows.map((r) => r.granularity), rows.map((r) => r.dim), rows.map((r) => r.bucket), rows.map((r) => r.key), counts]);
    }
    return true;
  });
}

type BucketRow = { granularity: Granularity; dim: Dimension; key: string; bucket: number } & Record<string, number>;

function toStatsRow(r: BucketRow): StatsRow {
  const counts: Counts = {};
  for (const c of COUNTERS) if (r[c]) counts[c] = Number(r[c]);
  return { granularity: r.granularity, dim: r.dim, key: r.key, bucket: Number(r.bucket), counts };
}

const RANGE = 'tenant_id = $1 AND granularity = $2 AND dim = $3 AND bucket >= $4 AND bucket < $5';
const params = (q: StatsRange): unknown[] => [q.tenantId, q.granularity, q.dim, q.from, q.to];

export async function queryStats(db: PgDb, q: StatsRange): Promise<StatsRow[]> {
  const base = `SELECT granularity, dim, key, bucket, ${COLUMNS} FROM stats_buckets WHERE ${RANGE}`;
  const rows =
    q.keys === undefined
      ? await db.query<BucketRow>(base, params(q))
      : await db.query<BucketRow>(`${base} AND key = ANY($6::text[])`, [...params(q), q.keys]);
  return rows.map(toStatsRow);
}

export async function rankStatsKeys(db: PgDb, q: StatsRange, limit: number): Promise<{ keys: string[]; total: number }> {
  const rows = await db.query<{ key: string; total: number }>(
    `SELECT key, count(*) OVER ()::int AS total FROM stats_buckets WHERE ${RANGE}
      GROUP BY key ORDER BY sum(queued) DESC, sum(delivered) DESC, key LIMIT $6`,
    [...params(q), limit],
  );
  return { keys: rows.map((r) => r.key), total: rows[0]?.total ?? 0 };
}
