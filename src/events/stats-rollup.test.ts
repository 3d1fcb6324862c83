// Two stats roll-ups (two processes, in effect) over one store count every event exactly once:
// a batch computed from a position another roll-up has already moved is refused whole.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import pg from 'pg';
import pino from 'pino';
import { DAY_MS, bucketOf } from '../domain/stats/rollup.js';
import { openPostgresStore } from '../store/postgres/index.js';
import { openSqliteStore } from '../store/sqlite/index.js';
import type { Store } from '../store/store.js';
import { StatsRollup } from './stats-rollup.js';

const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const dir = mkdtempSync(join(tmpdir(), 'txmail-rollup-'));
const schemas: string[] = [];
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (schemas.length === 0) return;
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  for (const s of schemas) await c.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  await c.end();
});

async function pgReachable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

const backends: Array<{ name: string; pair: () => Promise<[Store, Store]> }> = [
  { name: 'sqlite', pair: async () => [openSqliteStore(join(dir, 'a.db')), openSqliteStore(join(dir, 'a.db'))] },
];
if (await pgReachable()) {
  backends.push({
    name: 'postgres',
    pair: async () => {
      const schema = `txmail_test_${randomBytes(6).toString('hex')}`;
      schemas.push(schema);
      return [await openPostgresStore(PG_URL, { schema, poolSize: 4 }), await openPostgresStore(PG_URL, { schema, poolSize: 4 })];
    },
  });
}

for (const { name, pair } of backends) {
  test(`${name}: two roll-ups racing over one feed count every event once`, async () => {
    const [a, b] = await pair();
    await a.migrate();
    await b.migrate();
    const at = Date.UTC(2025, 4, 1, 10);
    for (const t of ['ten_a', 'ten_b']) await a.createTenant({ id: t, name: t, createdAt: at });
    for (let i = 0; i < 2000; i += 100) {
      await a.appendEvents('ten_a', Array.from({ length: 100 }, (_, k) => ({ type: 'opened' as const, messageId: `m${i + k}`, recipient: `r@d${k % 4}.test`, at, data: { unique: k % 2 === 0 } })));
    }
    await a.appendEvents('ten_b', [{ type: 'complained', messageId: 'm', recipient: 'x@y.test', at, data: { feedback_type: 'abuse', source: 'arf' } }]);
    const log = pino({ level: 'silent' });
    // Small batches, so the two interleave many times.
    const rollups = [new StatsRollup({ store: a, log, intervalMs: 1000, batch: 37 }), new StatsRollup({ store: b, log, intervalMs: 1000, batch: 37 })];
    try {
      const counted = await Promise.all(rollups.map((r) => r.catchUp()));
      assert.equal(counted[0]! + counted[1]!, 2001, `each event rolled up by exactly one of them (${counted.join(' + ')})`);
      const day = bucketOf(at, 'day');
      const [total] = await a.queryStats({ tenantId: 'ten_a', granularity: 'day', dim: '', from: day, to: day + DAY_MS });
      assert.deepEqual(total?.counts, { opened: 2000, opened_unique: 1000 });
      const domains = await b.queryStats({ tenantId: 'ten_a', granularity: 'hour', dim: 'domain', from: day, to: day + DAY_MS });
      assert.deepEqual(domains.map((r) => [r.key, r.counts.opened]).sort(), [['d0.test', 500], ['d1.test', 500], ['d2.test', 500], ['d3.test', 500]]);
      const [other] = await b.queryStats({ tenantId: 'ten_b', granularity: 'hour', dim: '', from: day, to: day + DAY_MS });
      assert.deepEqual(other?.counts, { complained: 1 });
      assert.equal(await rollups[0]!.catchUp(), 0, 'nothing left');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
}
