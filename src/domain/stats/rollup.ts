// Events to aggregate rows. Each event adds to counters in hourly and daily UTC buckets, once
// for the tenant as a whole (dimension ''), once for the recipient's domain and once per tag of
// its message, so a stats query reads a few hundred rows instead of scanning millions of events.
import type { MessageMeta } from '../events/meta.js';
import type { StoredEvent } from '../events/types.js';

export const COUNTERS = [
  'queued',
  'delivered',
  'deferred',
  'bounced',
  'bounced_hard',
  'dropped',
  'opened',
  'opened_unique',
  'opened_machine',
  'clicked',
  'clicked_unique',
  'clicked_machine',
  'complained',
  'unsubscribed',
] as const;
export type Counter = (typeof COUNTERS)[number];
export type Counts = Partial<Record<Counter, number>>;

export type Granularity = 'hour' | 'day';
export const GRANULARITIES: readonly Granularity[] = ['hour', 'day'];
/** '' is the tenant as a whole. */
export type Dimension = '' | 'tag' | 'domain';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
export const bucketMs = (g: Granularity): number => (g === 'hour' ? HOUR_MS : DAY_MS);
/** The UTC bucket an instant falls in. */
export const bucketOf = (at: number, g: Granularity): number => Math.floor(at / bucketMs(g)) * bucketMs(g);

export interface StatsRow {
  readonly granularity: Granularity;
  readonly dim: Dimension;
  readonly key: string;
  /** Start of the bucket, epoch ms (UTC). */
  readonly bucket: number;
  readonly counts: Counts;
}

/** The counters one event adds 1 to. */
export function countersOf(e: StoredEvent): Counter[] {
  const d = e.data as Readonly<Record<string, unknown>>;
  switch (e.type) {
    case 'bounced':
      return e.data.class === 'hard' ? ['bounced', 'bounced_hard'] : ['bounced'];
    case 'opened':
      return ['opened', ...(d['machine'] === true ? (['opened_machine'] as const) : []), ...(d['unique'] === true ? (['opened_unique'] as const) : [])];
    case 'clicked':
      return ['clicked', ...(d['machine'] === true ? (['clicked_machine'] as const) : []), ...(d['unique'] === true ? (['clicked_unique'] as const) : [])];
    case 'held':
    case 'released':
    case 'retried':
      // Operator actions are not traffic: no counter.
      return [];
    default:
      return [e.type];
  }
}

function domainOf(recipient: string | undefined): string | undefined {
  if (recipient === undefined) return undefined;
  const at = recipient.lastIndexOf('@');
  return at === -1 ? undefined : recipient.slice(at + 1).toLowerCase();
}

/** Sums a batch of events into rows, one per (granularity, dimension, key, bucket). */
export function rollupRows(events: readonly StoredEvent[], meta: ReadonlyMap<string, MessageMeta>): StatsRow[] {
  const rows = new Map<string, { granularity: Granularity; dim: Dimension; key: string; bucket: number; counts: Record<string, number> }>();
  for (const e of events) {
    const counters = countersOf(e);
    const dims: Array<[Dimension, string]> = [['', '']];
    const domain = domainOf(e.recipient);
    if (domain !== undefined) dims.push(['domain', domain]);
    for (const tag of new Set(meta.get(e.messageId)?.tags ?? [])) dims.push(['tag', tag]);
    for (const granularity of GRANULARITIES) {
      const bucket = bucketOf(e.at, granularity);
      for (const [dim, key] of dims) {
        const id = `${granularity}\0${dim}\0${key}\0${bucket}`;
        let row = rows.get(id);
        if (!row) rows.set(id, (row = { granularity, dim, key, bucket, counts: {} }));
        for (const c of counters) row.counts[c] = (row.counts[c] ?? 0) + 1;
      }
    }
  }
  return [...rows.values()];
}
