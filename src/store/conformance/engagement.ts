// describeEngagementStore(): opens and clicks against each adapter: the delivery a token names,
// and `unique` for exactly one first human open (click) of a delivery, however many race.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Store } from '../store.js';
import { deliveredOutcome, message } from './fixtures.js';
import type { StoreFactory } from './harness.js';

const T0 = 1_700_000_000_000;

export function describeEngagementStore(name: string, factory: StoreFactory): void {
  const it = (title: string, fn: (s: Store) => Promise<void>): Promise<void> =>
    test(title, async () => {
      const s = await factory.open();
      await s.migrate();
      await s.createTenant({ id: 'ten_a', name: 'a', createdAt: T0 });
      try {
        await fn(s);
      } finally {
        await s.close();
      }
    });

  describe(`Store conformance (engagement): ${name}`, () => {
    it('a delivery ref names tenant, message, recipient and when it was delivered', async (s) => {
      const m = message('ten_a', T0, ['a@x.test']);
      await s.acceptMessages({ tenantId: 'ten_a', messages: [m], now: T0 });
      assert.deepEqual(await s.getDeliveryRef(`${m.id}.0`), { id: `${m.id}.0`, tenantId: 'ten_a', messageId: m.id, recipient: 'a@x.test', state: 'queued', attempts: 0, deliveredAt: null });
      const [d] = await s.claimDue({ owner: 'w', now: T0, leaseMs: 1000, limit: 1, excludeDomains: [] });
      await s.recordOutcomes([deliveredOutcome(d!, T0 + 500)]);
      assert.equal((await s.getDeliveryRef(`${m.id}.0`))?.deliveredAt, T0 + 500);
      assert.equal(await s.getDeliveryRef('msg_nope.0'), undefined);
    });

    it('only the first human open and the first human click of a delivery are unique', async (s) => {
      const m = message('ten_a', T0, ['a@x.test']);
      await s.acceptMessages({ tenantId: 'ten_a', messages: [m], now: T0 });
      const ref = (await s.getDeliveryRef(`${m.id}.0`))!;
      const open = (human: boolean, at: number) => s.recordEngagement({ ref, kind: 'opened', at, human, data: { machine: !human, ip: '1.2.3.4' } });
      assert.deepEqual(await open(false, T0 + 1), { unique: false }, 'a machine open is never unique');
      const racing = await Promise.all(Array.from({ length: 6 }, (_, i) => open(true, T0 + 2 + i)));
      assert.equal(racing.filter((r) => r.unique).length, 1, 'exactly one of concurrent first opens');
      assert.deepEqual(await s.recordEngagement({ ref, kind: 'clicked', at: T0 + 9, human: true, data: { url: 'https://x.test/' } }), { unique: true });
      assert.deepEqual(await s.recordEngagement({ ref, kind: 'clicked', at: T0 + 10, human: true, data: { url: 'https://x.test/' } }), { unique: false });
      const events = (await s.getMessage('ten_a', m.id))!.events.filter((e) => e.type === 'opened' || e.type === 'clicked');
      assert.equal(events.length, 9);
      assert.deepEqual(events[0]!.data, { machine: true, ip: '1.2.3.4', unique: false });
      assert.equal(events.filter((e) => e.type === 'opened' && e.data['unique'] === true).length, 1);
      assert.ok(events.every((e) => e.recipient === 'a@x.test' && e.deliveryId === ref.id));
    });
  });
}
