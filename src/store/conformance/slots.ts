// describeSlots(): connection slots, the per-destination connection limit of the whole cluster.
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { SlotRequest } from '../store.js';
import { storeTest, type StoreFactory } from './harness.js';

const T0 = 1_700_000_000_000;


const req = (owner: string, now = T0, extra: Partial<SlotRequest> = {}): SlotRequest => ({ domain: 'x.test', owner, limit: 2, now, leaseMs: 1000, ...extra });

export function describeSlots(name: string, factory: StoreFactory): void {
  const it = storeTest(factory, { tenants: false });

  describe(`Store conformance, connection slots: ${name}`, () => {
    it('a destination hands out at most `limit` slots, each once, per destination', async (s) => {
      const a = await s.acquireSlot(req('w1'));
      const b = await s.acquireSlot(req('w2'));
      assert.ok(a && b);
      assert.deepEqual([a.slot, b.slot].sort(), [0, 1]);
      assert.equal(await s.acquireSlot(req('w3')), undefined, 'the third connection waits');
      assert.ok(await s.acquireSlot(req('w3', T0, { domain: 'y.test' })), 'another destination has its own slots');
      assert.equal(await s.acquireSlot(req('w1', T0, { limit: 1 })), undefined, 'a lower limit counts the slots above it as held');
    });

    it('a released slot is free again and comes back with a new token', async (s) => {
      const a = await s.acquireSlot(req('w1', T0, { limit: 1 }));
      assert.ok(a);
      await s.releaseSlots('w1', [a]);
      const b = await s.acquireSlot(req('w2', T0, { limit: 1 }));
      assert.ok(b);
      assert.equal(b.slot, a.slot);
      assert.ok(b.token > a.token, 'fencing token grows');
      await s.releaseSlots('w1', [a]);
      assert.equal(await s.acquireSlot(req('w3', T0, { limit: 1 })), undefined, "the old holder's release does not free the new holder's slot");
    });

    it('an expired slot is taken over; its old holder learns it lost it', async (s) => {
      const a = await s.acquireSlot(req('w1', T0, { limit: 1 }));
      assert.ok(a);
      assert.equal(await s.acquireSlot(req('w2', T0 + 999, { limit: 1 })), undefined, 'held until the lease ends');
      const b = await s.acquireSlot(req('w2', T0 + 1000, { limit: 1 }));
      assert.ok(b, 'expired: reclaimable');
      assert.deepEqual(await s.renewSlots('w1', [a], T0 + 5000), [a], 'the old holder cannot renew it');
      assert.deepEqual(await s.renewSlots('w2', [b], T0 + 5000), []);
      assert.equal(await s.acquireSlot(req('w3', T0 + 4999, { limit: 1 })), undefined, 'renewed: held past its first expiry');
      assert.ok(await s.acquireSlot(req('w3', T0 + 5000, { limit: 1 })));
    });

    it('concurrent acquisitions never hand out more than the limit', async (s) => {
      for (const limit of [1, 3]) {
        const domain = `c${limit}.test`;
        const got = await Promise.all(Array.from({ length: 8 }, (_, i) => s.acquireSlot(req(`w${i}`, T0, { domain, limit }))));
        const held = got.filter((x) => x !== undefined);
        assert.equal(held.length, limit);
        assert.equal(new Set(held.map((x) => x.slot)).size, limit);
      }
    });
  });
}
