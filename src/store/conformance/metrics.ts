// describeMetricsSnapshot(): the scrape-time figures of /metrics, run against each adapter.
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { deferredOutcome, message } from './fixtures.js';
import { storeTest, type StoreFactory } from './harness.js';
import { newWebhook } from './webhooks.js';

const T0 = 1_700_000_000_000;

export function describeMetricsSnapshot(name: string, factory: StoreFactory): void {
  const it = storeTest(factory);
  describe(`Store conformance (metrics snapshot): ${name}`, () => {
    it('counts unfinished deliveries by state with the oldest acceptance, and webhook backlogs', async (s) => {
      const w = await s.createWebhook(newWebhook('wh_1', { now: T0 }));
      await s.acceptMessages({ tenantId: 'ten_a', messages: [message('ten_a', T0, ['a@x.test', 'b@y.test', 'c@z.test'])], now: T0 });
      await s.acceptMessages({ tenantId: 'ten_a', messages: [message('ten_a', T0 + 5000, ['d@x.test'], { sendAt: T0 + 3_600_000 })], now: T0 + 5000 });
      const claimed = await s.claimDue({ owner: 'w', now: T0 + 10_000, leaseMs: 60_000, limit: 2, excludeDomains: [] });
      assert.equal(claimed.length, 2);
      assert.deepEqual(await s.recordOutcomes([deferredOutcome(claimed[0]!, T0 + 10_000, T0 + 70_000)]), [true]);
      const snap = await s.metricsSnapshot(T0 + 20_000, 10, 1000);
      const byState = Object.fromEntries(snap.queue.map((q) => [q.state, [q.count, q.oldestAcceptedAt]]));
      assert.deepEqual(byState, { deferred: [1, T0], in_flight: [1, T0], queued: [1, T0], scheduled: [1, T0 + 5000] });
      assert.deepEqual(snap.webhooks, [{ id: 'wh_1', enabled: true, failures: 0, backlog: (await s.listEvents('ten_a', w.cursor, 100)).events.length }]);
      assert.equal(snap.webhooks[0]!.backlog, 5, 'four queued events and the deferral, all after the endpoint was created');
      assert.equal((await s.metricsSnapshot(T0 + 20_000, 10, 2)).webhooks[0]!.backlog, 2, 'counted up to the cap');
      assert.deepEqual((await s.metricsSnapshot(T0 + 20_000, 0, 2)).webhooks, []);
    });
  });
}
