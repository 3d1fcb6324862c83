// describeStatsStore(): the stats aggregates against each adapter: rows add up, the roll-up's
// position moves with them or not at all, and a query over 30 days of millions of events'
// aggregates answers well under a second (describeStatsScale, which reports its timings).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bucketOf, DAY_MS, HOUR_MS, type StatsRow } from '../../domain/stats/rollup.js';
import type { Store } from '../store.js';
import { storeTest, type StoreFactory } from './harness.js';

const T0 = Date.UTC(2025, 0, 1);


const row = (dim: StatsRow['dim'], key: string, bucket: number, counts: StatsRow['counts'], granularity: StatsRow['granularity'] = 'hour'): StatsRow => ({
  granularity,
  dim,
  key,
  bucket,
  counts,
});

export function describeStatsStore(name: string, factory: StoreFactory): void {
  const it = storeTest(factory);

  describe(`Store conformance (stats): ${name}`, () => {
    it('rows add up per bucket and key; queries select by granularity, dimension, key and range', async (s) => {
      assert.equal(await s.getStatsCursor('ten_a'), undefined);
      assert.equal(await s.applyStats({ tenantId: 'ten_a', expectCursor: undefined, cursor: 'c1', rows: [row('', '', T0, { queued: 2, delivered: 1 }), row('tag', 'x', T0, { queued: 1 })] }), true);
      assert.equal(
        await s.applyStats({ tenantId: 'ten_a', expectCursor: 'c1', cursor: 'c2', rows: [row('', '', T0, { delivered: 1, opened_unique: 1 }), row('', '', T0 + HOUR_MS, { queued: 5 }), row('tag', 'y', T0, { bounced: 1 })] }),
        true,
      );
      assert.equal(await s.getStatsCursor('ten_a'), 'c2');
      assert.deepEqual(await s.queryStats({ tenantId: 'ten_a', granularity: 'hour', dim: '', from: T0, to: T0 + HOUR_MS }), [row('', '', T0, { queued: 2, delivered: 2, opened_unique: 1 })]);
      assert.equal((await s.queryStats({ tenantId: 'ten_a', granularity: 'hour', dim: '', from: T0, to: T0 + 2 * HOUR_MS })).length, 2);
      const tags = await s.queryStats({ tenantId: 'ten_a', granularity: 'hour', dim: 'tag', from: T0, to: T0 + DAY_MS });
      assert.deepEqual(tags.map((r) => [r.key, r.counts]).sort(), [['x', { queued: 1 }], ['y', { bounced: 1 }]]);
      assert.deepEqual((await s.queryStats({ tenantId: 'ten_a', granularity: 'hour', dim: 'tag', keys: ['y', 'z'], from: T0, to: T0 + DAY_MS })).map((r) => r.key), ['y']);
      assert.deepEqual(await s.queryStats({ tenantId: 'ten_a', granularity: 'hour', dim: 'tag', keys: [], from: T0, to: T0 + DAY_MS }), []);
      await s.applyStats({ tenantId: 'ten_a', expectCursor: 'c2', cursor: 'c3', rows: [row('tag', 'z', T0, { delivered: 3 }), row('tag', 'w', T0 + DAY_MS, { queued: 99 })] });
      assert.deepEqual(await s.rankStatsKeys({ tenantId: 'ten_a', granularity: 'hour', dim: 'tag', from: T0, to: T0 + DAY_MS }, 2), { keys: ['x', 'z'], total: 3 });
      assert.deepEqual(await s.rankStatsKeys({ tenantId: 'ten_a', granularity: 'hour', dim: 'domain', from: T0, to: T0 + DAY_MS }, 2), { keys: [], total: 0 });
      assert.deepEqual(await s.queryStats({ tenantId: 'ten_a', granularity: 'day', dim: '', from: T0, to: T0 + DAY_MS }), []);
      assert.deepEqual(await s.queryStats({ tenantId: 'ten_b', granularity: 'hour', dim: '', from: T0, to: T0 + DAY_MS }), []);
    });

    it('a batch computed from a stale position writes nothing; of concurrent roll-ups exactly one wins', async (s) => {
      await s.applyStats({ tenantId: 'ten_a', expectCursor: undefined, cursor: 'c1', rows: [row('', '', T0, { queued: 1 })] });
      assert.equal(await s.applyStats({ tenantId: 'ten_a', expectCursor: undefined, cursor: 'c9', rows: [row('', '', T0, { queued: 100 })] }), false);
      assert.equal(await s.applyStats({ tenantId: 'ten_a', expectCursor: 'c0', cursor: 'c9', rows: [row('', '', T0, { queued: 100 })] }), false);
      const racing = await Promise.all(
        Array.from({ length: 5 }, () => s.applyStats({ tenantId: 'ten_a', expectCursor: 'c1', cursor: 'c2', rows: [row('', '', T0, { queued: 1 })] })),
      );
      assert.equal(racing.filter(Boolean).length, 1);
      const [r] = await s.queryStats({ tenantId: 'ten_a', granularity: 'hour', dim: '', from: T0, to: T0 + HOUR_MS });
      assert.equal(r?.counts.queued, 2, 'only the winner’s rows were added');
      const first = await Promise.all([
        s.applyStats({ tenantId: 'ten_b', expectCursor: undefined, cursor: 'x', rows: [row('', '', T0, { queued: 1 })] }),
        s.applyStats({ tenantId: 'ten_b', expectCursor: undefined, cursor: 'y', rows: [row('', '', T0, { queued: 1 })] }),
      ]);
      assert.equal(first.filter(Boolean).length, 1, 'also for the very first batch of a tenant');
    });
  });
}

/**
 * Hourly and daily aggregate rows standing for `events` events over 30 days from `start`: for
 * the tenant, `domains` recipient domains and `tags` tags (skewed, like real traffic).
 */
export function scaleRows(start: number, events: number, domains: number, tags: number): StatsRow[] {
  const hours = 30 * 24;
  const perHour = Math.round(events / hours);
  const share = (n: number, i: number, of: number): number => Math.floor((n * 2 * (of - i)) / (of * (of + 1)));
  const rows: StatsRow[] = [];
  const days = new Map<string, StatsRow>();
  const addDay = (r: StatsRow): void => {
    const k = `${r.dim}\0${r.key}\0${bucketOf(r.bucket, 'day')}`;
    const counts = { ...(days.get(k)?.counts ?? {}) };
    for (const [c, n] of Object.entries(r.counts)) counts[c as keyof typeof counts] = (counts[c as keyof typeof counts] ?? 0) + n;
    days.set(k, { ...r, granularity: 'day', bucket: bucketOf(r.bucket, 'day'), counts });
  };
  const counts = (n: number): StatsRow['counts'] => ({
    queued: Math.round(n * 0.4), delivered: Math.round(n * 0.38), deferred: Math.round(n * 0.02), bounced: Math.round(n * 0.02),
    bounced_hard: Math.round(n * 0.01), opened: Math.round(n * 0.12), opened_unique: Math.round(n * 0.08), opened_machine: Math.round(n * 0.03),
    clicked: Math.round(n * 0.04), clicked_unique: Math.round(n * 0.03), complained: Math.round(n * 0.001), unsubscribed: Math.round(n * 0.002),
  });
  for (let h = 0; h < hours; h++) {
    const bucket = start + h * HOUR_MS;
    const hourRows = [row('', '', bucket, counts(perHour))];
    for (let i = 0; i < domains; i++) hourRows.push(row('domain', `d${i}.example`, bucket, counts(share(perHour, i, domains))));
    for (let i = 0; i < tags; i++) hourRows.push(row('tag', `tag${i}`, bucket, counts(share(perHour, i, tags))));
    for (const r of hourRows) {
      rows.push(r);
      addDay(r);
    }
  }
  rows.push(...days.values());
  return rows;
}

/**
 * Loads aggregates equivalent to `events` events spread over 30 days (hourly and daily rows for
 * the tenant, `domains` recipient domains and `tags` tags) through applyStats, then times the
 * queries GET /v1/stats makes. Aggregates are inserted directly: the point is the query.
 */
export function describeStatsScale(name: string, factory: StoreFactory, opts: { events?: number; domains?: number; tags?: number; boundMs?: number } = {}): void {
  const events = opts.events ?? 2_000_000;
  const domains = opts.domains ?? 100;
  const tags = opts.tags ?? 20;
  const boundMs = opts.boundMs ?? 1000;
  describe(`Stats at scale: ${name}`, () => {
    test(`queries over 30 days of ${events.toLocaleString('en')} events answer in under ${boundMs} ms`, async () => {
      const s = await factory.open();
      await s.migrate();
      await s.createTenant({ id: 'ten_a', name: 'a', createdAt: T0 });
      try {
        const rows = scaleRows(T0, events, domains, tags);
        const loadStart = performance.now();
        let cursor: string | undefined;
        for (let i = 0; i < rows.length; i += 20_000) {
          const next = `load${i}`;
          assert.ok(await s.applyStats({ tenantId: 'ten_a', expectCursor: cursor, cursor: next, rows: rows.slice(i, i + 20_000) }));
          cursor = next;
        }
        const loadMs = performance.now() - loadStart;
        const from = T0;
        const to = T0 + 30 * DAY_MS;
        const time = async (label: string, q: Parameters<Store['queryStats']>[0]): Promise<{ label: string; ms: number; rows: number }> => {
          await s.queryStats(q); // warm: the first query pays for opening pages, not for the plan
          const t = performance.now();
          const got = await s.queryStats(q);
          return { label, ms: performance.now() - t, rows: got.length };
        };
        const results = [
          await time('30 days by day', { tenantId: 'ten_a', granularity: 'day', dim: '', from, to }),
          await time('30 days by hour', { tenantId: 'ten_a', granularity: 'hour', dim: '', from, to }),
          await time('30 days by day, grouped by domain', { tenantId: 'ten_a', granularity: 'day', dim: 'domain', from, to }),
          await time('30 days by hour, one tag', { tenantId: 'ten_a', granularity: 'hour', dim: 'tag', keys: ['tag3'], from, to }),
        ];
        // group_by=domain by hour, as the API does it: rank the keys, then read the top 20's rows.
        await s.rankStatsKeys({ tenantId: 'ten_a', granularity: 'hour', dim: 'domain', from, to }, 20);
        const t = performance.now();
        const top = await s.rankStatsKeys({ tenantId: 'ten_a', granularity: 'hour', dim: 'domain', from, to }, 20);
        const grouped = await s.queryStats({ tenantId: 'ten_a', granularity: 'hour', dim: 'domain', keys: top.keys, from, to });
        results.push({ label: '30 days by hour, top 20 of 100 domains', ms: performance.now() - t, rows: grouped.length });
        assert.deepEqual(top.keys.slice(0, 3), ['d0.example', 'd1.example', 'd2.example']);
        const total = (await s.queryStats({ tenantId: 'ten_a', granularity: 'day', dim: '', from, to })).reduce((n, r) => n + Object.values(r.counts).reduce((a, b) => a + b, 0), 0);
        console.log(
          `# stats scale (${name}): ${rows.length} aggregate rows for ${total.toLocaleString('en')} counted events, loaded in ${loadMs.toFixed(0)} ms; ` +
            results.map((r) => `${r.label}: ${r.ms.toFixed(1)} ms (${r.rows} rows)`).join('; '),
        );
        assert.ok(total >= events * 0.95, `the aggregates stand for ${total} events`);
        for (const r of results) assert.ok(r.ms < boundMs, `${r.label} took ${r.ms.toFixed(0)} ms`);
      } finally {
        await s.close();
      }
    });
  });
}
