// describeRetention(): purging old finished messages with their deliveries and events.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Store } from '../store.js';
import { deliveredOutcome, message } from './fixtures.js';
import type { StoreFactory } from './harness.js';

const T0 = 1_700_000_000_000;
const DAY = 86_400_000;

export function describeRetention(name: string, factory: StoreFactory): void {
  describe(`Store conformance, retention: ${name}`, () => {
    test('old finished messages go with their deliveries and events, in batches; unfinished and recent ones stay', async () => {
      const s: Store = await factory.open();
      await s.migrate();
      try {
        await s.createTenant({ id: 'ten_a', name: 'a', createdAt: T0 });
        const old = Array.from({ length: 5 }, () => message('ten_a', T0, ['a@x.test', 'b@y.test']));
        const pending = message('ten_a', T0, ['p@x.test']);
        const recent = message('ten_a', T0 + 10 * DAY, ['n@x.test']);
        await s.acceptMessages({ tenantId: 'ten_a', messages: [...old, pending], now: T0 });
        await s.acceptMessages({ tenantId: 'ten_a', messages: [recent], now: T0 + 10 * DAY });
        const claimed = await s.claimDue({ owner: 'w', now: T0 + 10 * DAY, leaseMs: 1000, limit: 100, excludeDomains: [] });
        const finish = claimed.filter((d) => d.messageId !== pending.id);
        assert.deepEqual(await s.recordOutcomes(finish.map((d) => deliveredOutcome(d, T0 + 10 * DAY))), finish.map(() => true));

        const before = T0 + 5 * DAY;
        const first = await s.purgeMessages({ before, limit: 3 });
        assert.deepEqual(first, { messages: 3, deliveries: 6, events: 12 }, 'queued + delivered event per delivery');
        const second = await s.purgeMessages({ before, limit: 3 });
        assert.deepEqual(second, { messages: 2, deliveries: 4, events: 8 });
        assert.deepEqual(await s.purgeMessages({ before, limit: 3 }), { messages: 0, deliveries: 0, events: 0 });

        for (const m of old) assert.equal(await s.getMessage('ten_a', m.id), undefined);
        assert.ok(await s.getMessage('ten_a', pending.id), 'a message with an unfinished delivery stays');
        assert.ok(await s.getMessage('ten_a', recent.id), 'a recent message stays');
        const feed = await s.listEvents('ten_a', undefined, 100);
        assert.deepEqual(new Set(feed.events.map((e) => e.messageId)), new Set([pending.id, recent.id]));
      } finally {
        await s.close();
      }
    });
  });
}
