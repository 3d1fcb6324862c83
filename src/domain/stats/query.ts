// GET /v1/stats: the query's parameters, and the answer built from aggregate rows: counts per
// bucket (every bucket of the range, zeros included), totals, and rates.
//
// Rates: delivery = delivered / queued, bounce = bounced / queued, complaint = complained /
// delivered, open = unique human opens / delivered, click = unique human clicks / delivered.
// A rate whose denominator is 0 is null. Buckets are UTC; the range is widened to whole buckets.
import { validationError, type FieldError } from '../errors.js';
import { bucketMs, bucketOf, COUNTERS, type Counts, type Dimension, type Granularity, type StatsRow } from './rollup.js';

export interface StatsQuery {
  readonly from: number;
  /** Exclusive. */
  readonly to: number;
  readonly interval: Granularity;
  readonly groupBy?: Exclude<Dimension, ''>;
  readonly filter?: { readonly dim: Exclude<Dimension, ''>; readonly key: string };
  /** Most groups returned, by volume (queued, then delivered). */
  readonly limit: number;
}

export const MAX_BUCKETS: Readonly<Record<Granularity, number>> = { hour: 31 * 24, day: 400 };
const DEFAULT_SPAN: Readonly<Record<Granularity, number>> = { hour: 86_400_000, day: 30 * 86_400_000 };
const FIELDS = ['from', 'to', 'interval', 'group_by', 'tag', 'domain', 'limit'];

/** ISO 8601 or Unix seconds. */
function parseTime(v: string): number | undefined {
  if (/^\d{1,12}$/.test(v)) return Number(v) * 1000;
  if (!/^\d{4}-\d{2}-\d{2}/.test(v)) return undefined;
  const t = Date.parse(v);
  return Number.isFinite(t) ? t : undefined;
}

export function parseStatsQuery(q: Readonly<Record<string, string | undefined>>, now: number): StatsQuery {
  const errors: FieldError[] = [];
  for (const k of Object.keys(q)) if (!FIELDS.includes(k)) errors.push({ path: k, message: `unknown parameter (allowed: ${FIELDS.join(', ')})` });
  const interval = q['interval'] ?? 'day';
  if (interval !== 'hour' && interval !== 'day') errors.push({ path: 'interval', message: 'must be hour or day' });
  const g: Granularity = interval === 'hour' ? 'hour' : 'day';
  const time = (name: 'from' | 'to', def: number): number => {
    const raw = q[name];
    if (raw === undefined) return def;
    const t = parseTime(raw);
    if (t === undefined) errors.push({ path: name, message: 'must be an ISO 8601 time or Unix seconds' });
    return t ?? def;
  };
  const to = time('to', now);
  // Without `from`: the last 30 days (24 hours) in whole buckets, the current one included.
  const from = time('from', bucketOf(to - 1, g) + bucketMs(g) - DEFAULT_SPAN[g]);
  const groupBy = q['group_by'];
  if (groupBy !== undefined && groupBy !== 'tag' && groupBy !== 'domain') errors.push({ path: 'group_by', message: 'must be tag or domain' });
  const tag = q['tag'];
  const domain = q['domain'];
  if (tag !== undefined && domain !== undefined) errors.push({ path: 'domain', message: 'filter by tag or by domain, not both' });
  const filter = tag !== undefined ? { dim: 'tag' as const, key: tag } : domain !== undefined ? { dim: 'domain' as const, key: domain.toLowerCase() } : undefined;
  if (filter && groupBy !== undefined && filter.dim !== groupBy) {
    errors.push({ path: 'group_by', message: `a ${filter.dim} filter can only be combined with group_by=${filter.dim}` });
  }
  if (filter && (filter.key === '' || filter.key.length > 255)) errors.push({ path: filter.dim, message: 'must be 1 to 255 characters' });
  const limit = q['limit'] === undefined ? 20 : Number(q['limit']);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) errors.push({ path: 'limit', message: 'must be an integer from 1 to 100' });
  const start = bucketOf(from, g);
  const end = bucketOf(to - 1, g) + bucketMs(g);
  if (errors.length === 0 && from >= to) errors.push({ path: 'from', message: 'must be before to' });
  if (errors.length === 0 && (end - start) / bucketMs(g) > MAX_BUCKETS[g]) {
    errors.push({ path: 'from', message: `the range spans more than ${MAX_BUCKETS[g]} ${g}s; use a shorter range or interval=day` });
  }
  if (errors.length > 0) throw validationError(errors);
  return {
    from: start,
    to: end,
    interval: g,
    ...(groupBy === 'tag' || groupBy === 'domain' ? { groupBy } : {}),
    ...(filter ? { filter } : {}),
    limit,
  };
}

export type Rates = Record<'delivery_rate' | 'bounce_rate' | 'complaint_rate' | 'open_rate' | 'click_rate', number | null>;

const ratio = (n: number, d: number): number | null => (d === 0 ? null : Math.round((n / d) * 10_000) / 10_000);

export function ratesOf(c: Counts): Rates {
  const n = (k: keyof Counts): number => c[k] ?? 0;
  return {
    delivery_rate: ratio(n('delivered'), n('queued')),
    bounce_rate: ratio(n('bounced'), n('queued')),
    complaint_rate: ratio(n('complained'), n('delivered')),
    open_rate: ratio(n('opened_unique'), n('delivered')),
    click_rate: ratio(n('clicked_unique'), n('delivered')),
  };
}

function fullCounts(c: Counts): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of COUNTERS) out[k] = c[k] ?? 0;
  return out;
}

function add(into: Record<string, number>, c: Counts): void {
  for (const k of COUNTERS) into[k] = (into[k] ?? 0) + (c[k] ?? 0);
}

interface Summary {
  readonly counts: Record<string, number>;
  readonly rates: Rates;
}
interface Series {
  readonly totals: Summary;
  readonly series: ReadonlyArray<{ readonly start: string } & Summary>;
}

/** Totals and a zero-filled series over the query's buckets, from rows of one dimension key. */
function seriesOf(q: StatsQuery, rows: readonly StatsRow[]): Series {
  const step = bucketMs(q.interval);
  const byBucket = new Map<number, Record<string, number>>();
  const totals: Record<string, number> = {};
  for (const r of rows) {
    let b = byBucket.get(r.bucket);
    if (!b) byBucket.set(r.bucket, (b = {}));
    add(b, r.counts);
    add(totals, r.counts);
  }
  const series = [];
  for (let t = q.from; t < q.to; t += step) {
    const c = byBucket.get(t) ?? {};
    series.push({ start: new Date(t).toISOString(), counts: fullCounts(c), rates: ratesOf(c) });
  }
  return { totals: { counts: fullCounts(totals), rates: ratesOf(totals) }, series };
}

/**
 * The response body: `overall` are the '' rows (or the filtered key's), `grouped` the rows of
 * the group_by keys to show, `groupsTotal` how many keys the range has in all.
 */
export function statsView(q: StatsQuery, overall: readonly StatsRow[], grouped: readonly StatsRow[] = [], groupsTotal?: number): Record<string, unknown> {
  const base = {
    from: new Date(q.from).toISOString(),
    to: new Date(q.to).toISOString(),
    interval: q.interval,
    ...(q.filter ? { [q.filter.dim]: q.filter.key } : {}),
    ...(q.groupBy ? { group_by: q.groupBy } : {}),
    ...seriesOf(q, overall),
  };
  if (!q.groupBy) return base;
  const byKey = new Map<string, StatsRow[]>();
  for (const r of grouped) {
    let list = byKey.get(r.key);
    if (!list) byKey.set(r.key, (list = []));
    list.push(r);
  }
  const groups = [...byKey.entries()]
    .map(([key, rows]) => ({ key, ...seriesOf(q, rows) }))
    .sort((a, b) => (b.totals.counts['queued'] ?? 0) - (a.totals.counts['queued'] ?? 0) || (b.totals.counts['delivered'] ?? 0) - (a.totals.counts['delivered'] ?? 0) || (a.key < b.key ? -1 : 1));
  return { ...base, groups: groups.slice(0, q.limit), groups_total: groupsTotal ?? groups.length };
}
