// GET /v1/stats end to end: real sends (delivered, deferred then delivered, bounced, dropped),
// opens and clicks through the tracking host, the roll-up into the aggregate tables, and the
// answer checked against counts taken straight from the event feed. Then the same endpoint over
// 30 days of 2 million events' aggregates, timed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mintApiKey } from '../../src/ingress/auth.js';
import { scaleRows } from '../../src/store/conformance/stats.js';
import { freePort } from '../support/process.js';
import { startSink, type Sink } from '../support/sink.js';
import { sinkRoute, startTxmail, type Harness } from '../support/harness.js';
import { waitUntil } from '../support/webhook-receiver.js';

let sink: Sink;
let tx: Harness;
let publicUrl = '';

before(async () => {
  sink = await startSink({ tls: 'none' });
  const port = await freePort();
  publicUrl = `http://127.0.0.1:${port}`;
  tx = await startTxmail({
    'http.port': port,
    public_url: publicUrl,
    'delivery.routes': [sinkRoute(sink.port, '*', 'none')],
    'tracking.click_window_s': 0,
    'stats.rollup_interval_ms': 50,
  });
});
after(async () => {
  await tx.close();
  await sink.close();
});

interface Summary {
  counts: Record<string, number>;
  rates: Record<string, number | null>;
}
type StatsBody = Summary & { totals: Summary; series: Array<Summary & { start: string }>; groups?: Array<{ key: string; totals: Summary }>; groups_total?: number };

async function send(to: string, tags: string[], extra: Record<string, unknown> = {}): Promise<string> {
  const res = await tx.post('/v1/messages', { from: 'shop@sender.test', to, subject: 's', text: 't', html: '<p><a href="https://shop.test/x">x</a></p>', tags, ...extra });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return res.body.id as string;
}

test('counts per type, per tag and per domain, and rates, match the event feed', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) ids.push(await send(`ok${i}@one.test`, ['receipt'], { tracking: { opens: true, clicks: true } }));
  ids.push(await send('rcpt-550@two.test', ['reset']));
  ids.push(await send('rcpt-550-b@two.test', ['reset', 'receipt']));
  ids.push(await send('fail-1-then-accept@three.test', ['receipt']));
  await tx.app.store.suppress({ tenantId: tx.tenantId, address: 'gone@three.test', reason: 'hard_bounce', sourceMessageId: null, createdAt: Date.now() });
  const dropped = await send('gone@three.test', ['reset']);
  for (const id of ids) await tx.waitForStates(id, ['delivered', 'bounced'], 60_000);
  await tx.waitForStates(dropped, ['dropped']);

  // Engagement on the tracked messages: two human opens of one, a proxy open of another, a click.
  const html = async (id: string): Promise<string> => {
    const m = await tx.app.store.getMessage(tx.tenantId, id);
    const got = sink.messages.find((x) => x.header('message-id') === m!.messageIdHeader)!;
    return String((await got.parse()).html);
  };
  const pixelOf = (h: string): string => /<img src="([^"]*)"/.exec(h)![1]!;
  const linkOf = (h: string): string => /href="([^"]*)"/.exec(h)![1]!;
  const human = { 'user-agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15' };
  const h0 = await html(ids[0]!);
  await fetch(pixelOf(h0), { headers: human });
  await fetch(pixelOf(h0), { headers: human });
  await fetch(pixelOf(await html(ids[1]!)), { headers: { 'user-agent': 'Mozilla/5.0' } });
  await fetch(linkOf(h0), { headers: human, redirect: 'manual' });

  // Expected counts straight from the feed.
  const feed = (await tx.get('/v1/events?limit=1000')).body.events as Array<{ type: string; recipient: string; data: Record<string, unknown>; message_id: string }>;
  const tagsOf = new Map<string, string[]>();
  for (const id of [...ids, dropped]) tagsOf.set(id, ((await tx.get(`/v1/messages/${id}`)).body.tags as string[]) ?? []);
  const expected = (keep: (e: (typeof feed)[number]) => boolean): Record<string, number> => {
    const c: Record<string, number> = {};
    const add = (k: string): void => void (c[k] = (c[k] ?? 0) + 1);
    for (const e of feed.filter(keep)) {
      add(e.type);
      if (e.type === 'bounced' && e.data['class'] === 'hard') add('bounced_hard');
      if (e.type === 'opened' || e.type === 'clicked') {
        if (e.data['unique'] === true) add(`${e.type}_unique`);
        if (e.data['machine'] === true) add(`${e.type}_machine`);
      }
    }
    return c;
  };
  const want = expected(() => true);
  assert.deepEqual(
    [want['queued'], want['delivered'], want['deferred'], want['bounced'], want['bounced_hard'], want['dropped'], want['opened'], want['opened_unique'], want['opened_machine'], want['clicked']],
    [9, 7, 1, 2, 2, 1, 3, 1, 1, 1],
    'the scenario produced what it should (a suppressed recipient is dropped, never queued)',
  );
  const nonzero = (c: Record<string, number>): Record<string, number> => Object.fromEntries(Object.entries(c).filter(([, n]) => n > 0));

  let body: StatsBody | undefined;
  await waitUntil('the roll-up to catch up', async () => {
    body = (await tx.get('/v1/stats?interval=day')).body as unknown as StatsBody;
    return JSON.stringify(nonzero(body.totals.counts)) === JSON.stringify(nonzero({ ...Object.fromEntries(Object.keys(body.totals.counts).map((k) => [k, 0])), ...want }));
  }, 60_000, () => JSON.stringify(body?.totals.counts));
  const r4 = (x: number): number => Math.round(x * 10_000) / 10_000;
  assert.deepEqual(body!.totals.rates, { delivery_rate: r4(7 / 9), bounce_rate: r4(2 / 9), complaint_rate: 0, open_rate: r4(1 / 7), click_rate: r4(1 / 7) });
  assert.equal(body!.series.length, 30, 'the default range is 30 days, one bucket each');
  // All of it today (or, just after midnight UTC, partly yesterday): the series sums to the totals.
  const daySum: Record<string, number> = {};
  for (const s of body!.series) for (const [k, n] of Object.entries(s.counts)) daySum[k] = (daySum[k] ?? 0) + n;
  assert.deepEqual(daySum, body!.totals.counts);

  const hourly = (await tx.get('/v1/stats?interval=hour')).body as unknown as StatsBody;
  assert.equal(hourly.series.length, 24);
  const summed: Record<string, number> = {};
  for (const s of hourly.series) for (const [k, n] of Object.entries(s.counts)) summed[k] = (summed[k] ?? 0) + n;
  assert.deepEqual(summed, body!.totals.counts);

  const byTag = (await tx.get('/v1/stats?group_by=tag')).body as unknown as StatsBody;
  const tag = (t: string): Record<string, number> => nonzero(byTag.groups!.find((g) => g.key === t)!.totals.counts);
  assert.deepEqual(tag('reset'), nonzero(expected((e) => tagsOf.get(e.message_id)!.includes('reset'))));
  assert.deepEqual(tag('receipt'), nonzero(expected((e) => tagsOf.get(e.message_id)!.includes('receipt'))));
  assert.deepEqual(byTag.groups!.map((g) => g.key), ['receipt', 'reset'], 'by volume');
  assert.equal(byTag.groups_total, 2);

  const byDomain = (await tx.get('/v1/stats?group_by=domain&limit=1')).body as unknown as StatsBody;
  assert.equal(byDomain.groups!.length, 1);
  assert.equal(byDomain.groups_total, 3);
  assert.equal(byDomain.groups![0]!.key, 'one.test');
  assert.deepEqual(nonzero(byDomain.groups![0]!.totals.counts), nonzero(expected((e) => e.recipient.endsWith('@one.test'))));
  const two = (await tx.get('/v1/stats?domain=TWO.test')).body as unknown as StatsBody;
  assert.deepEqual(nonzero(two.totals.counts), nonzero(expected((e) => e.recipient.endsWith('@two.test'))));
  assert.equal(two.totals.rates['bounce_rate'], 1);

  const bad = await tx.get('/v1/stats?interval=week&group_by=colour');
  assert.equal(bad.status, 422);
  assert.deepEqual(((bad.body.error as { fields: Array<{ path: string }> }).fields.map((f) => f.path)), ['interval', 'group_by']);
  const { key } = mintApiKey(tx.tenantId, 'nobody', [], Date.now());
  assert.equal((await tx.get('/v1/stats', { authorization: `Bearer ${key}` })).status, 401, 'an unknown key');
});

test('GET /v1/stats over 30 days of 2 million events’ aggregates answers well under a second', async () => {
  const tenantId = 'ten_scale';
  await tx.app.store.createTenant({ id: tenantId, name: 'scale', createdAt: Date.now() });
  const { key, record } = mintApiKey(tenantId, 'reader', ['read'], Date.now());
  await tx.app.store.createApiKey(record);
  const start = Date.UTC(2025, 0, 1);
  const rows = scaleRows(start, 2_000_000, 100, 20);
  let cursor: string | undefined;
  for (let i = 0; i < rows.length; i += 20_000) {
    assert.ok(await tx.app.store.applyStats({ tenantId, expectCursor: cursor, cursor: `load${i}`, rows: rows.slice(i, i + 20_000) }));
    cursor = `load${i}`;
  }
  const range = `from=${new Date(start).toISOString()}&to=${new Date(start + 30 * 86_400_000).toISOString()}`;
  const timings: string[] = [];
  for (const q of [`interval=day&${range}`, `interval=hour&${range}`, `interval=day&group_by=domain&${range}`, `interval=day&group_by=tag&tag=tag3&${range}`]) {
    await tx.get(`/v1/stats?${q}`, { authorization: `Bearer ${key}` });
    const t = performance.now();
    const res = await tx.get(`/v1/stats?${q}`, { authorization: `Bearer ${key}` });
    const ms = performance.now() - t;
    assert.equal(res.status, 200);
    const body = res.body as unknown as StatsBody;
    assert.ok(body.totals.counts['queued']! > (q.includes('tag3') ? 50_000 : 750_000), `${q}: counts present (${body.totals.counts['queued']})`);
    timings.push(`${q.split('&from')[0]}: ${ms.toFixed(1)} ms`);
    assert.ok(ms < 1000, `${q} took ${ms.toFixed(0)} ms`);
  }
  console.log(`# GET /v1/stats over 30 days of 2M events (SQLite, over HTTP): ${timings.join('; ')}`);
});
