// /metrics on PostgreSQL: the same figures, read from the shared store, with the worker thread's
// counters merged in (metrics.test.ts covers SQLite and the exposition format in detail).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { postgresOrSkip, testSchema, type TestSchema } from '../support/pg.js';
import { startSink, type Sink } from '../support/sink.js';
import { sinkRoute, startTxmail, type Harness } from '../support/harness.js';
import { sample } from '../support/prom.js';

const TOKEN = 'pg-metrics-token';
const skip = await postgresOrSkip('metrics on PostgreSQL');

if (skip === undefined) {
  let schema: TestSchema;
  let sink: Sink;
  let tx: Harness;
  before(async () => {
    schema = await testSchema('txmail_metrics');
    sink = await startSink();
    tx = await startTxmail({ database_url: schema.url, 'delivery.routes': [sinkRoute(sink.port)], 'metrics.enabled': true, 'metrics.token': TOKEN, 'metrics.cache_ms': 0 });
  });
  after(async () => {
    await tx.close();
    await sink.close();
    await schema.drop();
  });

  test('on PostgreSQL, accepted, delivered and deferred move and the queue gauges read the store', async () => {
    const scrape = async (): Promise<string> => (await (await fetch(`${tx.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text());
    const send = async (to: string): Promise<string> => {
      const r = await tx.post('/v1/messages', { from: 'shop@sender.test', to: [to], subject: 'm', text: 'hello' });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      return r.body.id as string;
    };
    await tx.waitForStates(await send('a@one.test'), ['delivered']);
    await tx.waitForStates(await send('rcpt-451-x@two.test'), ['deferred']);
    const text = await scrape();
    assert.equal(sample(text, 'txmail_messages_accepted_total', { ingress: 'http' }), 2);
    assert.equal(sample(text, 'txmail_deliveries_total', { outcome: 'delivered' }), 1);
    assert.ok(sample(text, 'txmail_deliveries_total', { outcome: 'deferred' }) >= 1);
    assert.equal(sample(text, 'txmail_queue_deliveries', { state: 'deferred' }), 1);
    assert.equal(sample(text, 'txmail_delivery_latency_seconds_count'), 1);
  });
}
