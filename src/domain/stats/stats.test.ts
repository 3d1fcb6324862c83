import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StoredEvent } from '../events/types.js';
import { TxError } from '../errors.js';
import { parseStatsQuery, ratesOf, statsView } from './query.js';
import { countersOf, rollupRows, type StatsRow } from './rollup.js';

const H = 3_600_000;
const D0 = Date.UTC(2025, 2, 1);
const ev = (type: StoredEvent['type'], at: number, data: Record<string, unknown> = {}, recipient = 'a@X.test', messageId = 'm1'): StoredEvent =>
  ({ id: '1', cursor: '1', tenantId: 't', type, messageId, recipient, at, data }) as StoredEvent;

test('counters: hard bounces, unique and machine opens and clicks', () => {
  assert.deepEqual(countersOf(ev('bounced', 0, { class: 'hard' })), ['bounced', 'bounced_hard']);
  assert.deepEqual(countersOf(ev('bounced', 0, { class: 'soft' })), ['bounced']);
  assert.deepEqual(countersOf(ev('opened', 0, { machine: true, unique: false })), ['opened', 'opened_machine']);
  assert.deepEqual(countersOf(ev('clicked', 0, { machine: false, unique: true })), ['clicked', 'clicked_unique']);
  assert.deepEqual(countersOf(ev('complained', 0)), ['complained']);
});

test('events roll up per hour and day, for the tenant, the recipient domain and each tag', () => {
  const meta = new Map([['m1', { id: 'm1', messageIdHeader: '<m1>', tags: ['a', 'b', 'a'], metadata: {} }]]);
  const rows = rollupRows([ev('queued', D0 + 10), ev('delivered', D0 + H + 5), ev('delivered', D0 + H + 6, {}, 'b@y.test', 'm2')], meta);
  const find = (g: string, dim: string, key: string, bucket: number): StatsRow | undefined =>
    rows.find((r) => r.granularity === g && r.dim === dim && r.key === key && r.bucket === bucket);
  assert.deepEqual(find('hour', '', '', D0 + H)?.counts, { delivered: 2 });
  assert.deepEqual(find('day', '', '', D0)?.counts, { queued: 1, delivered: 2 });
  assert.deepEqual(find('day', 'domain', 'x.test', D0)?.counts, { queued: 1, delivered: 1 });
  assert.deepEqual(find('day', 'tag', 'a', D0)?.counts, { queued: 1, delivered: 1 }, 'a repeated tag counts once');
  assert.equal(find('day', 'tag', 'b', D0)?.counts.delivered, 1);
  assert.equal(rows.filter((r) => r.dim === 'tag' && r.key === 'a' && r.granularity === 'day').length, 1);
});

test('rates, with null for an empty denominator', () => {
  assert.deepEqual(ratesOf({ queued: 10, delivered: 8, bounced: 2, complained: 1, opened_unique: 4, clicked_unique: 2, opened: 9 }), {
    delivery_rate: 0.8,
    bounce_rate: 0.2,
    complaint_rate: 0.125,
    open_rate: 0.5,
    click_rate: 0.25,
  });
  assert.deepEqual(ratesOf({}), { delivery_rate: null, bounce_rate: null, complaint_rate: null, open_rate: null, click_rate: null });
});

test('stats query: defaults, whole buckets, limits and refusals', () => {
  const now = D0 + 5 * H + 123;
  const q = parseStatsQuery({ interval: 'hour', from: new Date(D0 + 30 * 60_000).toISOString() }, now);
  assert.deepEqual(q, { from: D0, to: D0 + 6 * H, interval: 'hour', limit: 20 });
  assert.deepEqual(parseStatsQuery({}, now), { from: D0 + 86_400_000 - 30 * 86_400_000, to: D0 + 86_400_000, interval: 'day', limit: 20 }, '30 whole days, today included');
  assert.deepEqual(parseStatsQuery({ interval: 'hour' }, now), { from: D0 + 6 * H - 24 * H, to: D0 + 6 * H, interval: 'hour', limit: 20 });
  assert.equal(parseStatsQuery({ from: String(D0 / 1000), to: String((D0 + 86_400_000) / 1000) }, now).to, D0 + 86_400_000);
  const bad = (q: Record<string, string>): string[] => {
    try {
      parseStatsQuery(q, now);
      return [];
    } catch (e) {
      return (e as TxError).fields.map((f) => f.path);
    }
  };
  assert.deepEqual(bad({ interval: 'week' }), ['interval']);
  assert.deepEqual(bad({ interval: 'hour', from: new Date(D0 - 40 * 86_400_000).toISOString() }), ['from']);
  assert.deepEqual(bad({ tag: 'a', domain: 'b' }), ['domain']);
  assert.deepEqual(bad({ tag: 'a', group_by: 'domain' }), ['group_by']);
  assert.deepEqual(bad({ from: 'yesterday' }), ['from']);
  assert.deepEqual(bad({ nope: '1' }), ['nope']);
});

test('the view zero-fills every bucket and orders groups by volume', () => {
  const q = parseStatsQuery({ interval: 'day', from: new Date(D0).toISOString(), to: new Date(D0 + 3 * 86_400_000).toISOString(), group_by: 'tag' }, D0);
  const row = (key: string, day: number, counts: StatsRow['counts']): StatsRow => ({ granularity: 'day', dim: key === '' ? '' : 'tag', key, bucket: D0 + day * 86_400_000, counts });
  const view = statsView(q, [row('', 0, { queued: 3, delivered: 2 }), row('', 2, { queued: 1 })], [row('small', 0, { queued: 1 }), row('big', 0, { queued: 2 }), row('big', 2, { queued: 1 })]) as {
    series: Array<{ start: string; counts: Record<string, number> }>;
    totals: { counts: Record<string, number>; rates: Record<string, number | null> };
    groups: Array<{ key: string; totals: { counts: Record<string, number> } }>;
  };
  assert.deepEqual(view.series.map((s) => s.counts['queued']), [3, 0, 1]);
  assert.equal(view.totals.counts['queued'], 4);
  assert.equal(view.totals.rates['delivery_rate'], 0.5);
  assert.deepEqual(view.groups.map((g) => [g.key, g.totals.counts['queued']]), [['big', 3], ['small', 1]]);
});
