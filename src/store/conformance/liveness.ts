// describeLiveness(): crash recovery. A worker's heartbeat keeps its leases; once the heartbeat is
// stale the others take over its deliveries, webhook endpoints and connection slots at once
// (not when the leases run out), and the embedded store takes every lease back at start. A taken
// lease is fenced: the old holder can neither renew it once claimed nor record an outcome on it.
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { ClaimedDelivery, SlotLease, Store, WebhookLease } from '../store.js';
import { deliveredOutcome, message } from './fixtures.js';
import { storeTest, type StoreFactory } from './harness.js';
import { newWebhook } from './webhooks.js';

const T0 = 1_700_000_000_000;

interface Held {
  readonly delivery: ClaimedDelivery;
  readonly hook: WebhookLease;
  readonly slot: SlotLease;
}

/** `owner` claims one delivery, the endpoint wh_1 and a slot of x.test (limit 1), all at T0. */
async function holdAll(s: Store, owner: string, leaseMs: number): Promise<Held> {
  await s.acceptMessages({ tenantId: 'ten_a', messages: [message('ten_a', T0, ['a@x.test'])], now: T0 });
  await s.createWebhook(newWebhook('wh_1'));
  const [delivery] = await s.claimDue({ owner, now: T0, leaseMs, limit: 10, excludeDomains: [] });
  const [hook] = await s.claimWebhooks({ owner, now: T0, leaseMs, limit: 10 });
  const slot = await s.acquireSlot({ domain: 'x.test', owner, limit: 1, now: T0, leaseMs });
  assert.ok(delivery && hook && slot);
  return { delivery, hook, slot };
}

const ref = (d: ClaimedDelivery) => ({ deliveryId: d.id, leaseToken: d.leaseToken });

/** What `owner` can take at `now`: nothing of `held` while its holder lives. */
async function claimEverything(s: Store, owner: string, now: number) {
  return {
    deliveries: await s.claimDue({ owner, now, leaseMs: 300_000, limit: 10, excludeDomains: [] }),
    hooks: await s.claimWebhooks({ owner, now, leaseMs: 60_000, limit: 10 }),
    slot: await s.acquireSlot({ domain: 'x.test', owner, limit: 1, now, leaseMs: 30_000 }),
  };
}

/** The old holder of `held` lost everything: renewals report it, its outcome is fenced off. */
async function assertFenced(s: Store, owner: string, held: Held, now: number): Promise<void> {
  assert.deepEqual(await s.renewLeases(owner, [ref(held.delivery)], now + 300_000), [ref(held.delivery)], 'the old holder learns the delivery is lost');
  assert.equal(await s.renewWebhookLease(held.hook.endpoint.id, held.hook.leaseToken, now + 60_000), false);
  assert.deepEqual(await s.renewSlots(owner, [held.slot], now + 30_000), [held.slot]);
  assert.deepEqual(await s.recordOutcomes([deliveredOutcome(held.delivery, now)]), [false], 'a late outcome of the old holder is fenced off');
}

export function describeLiveness(name: string, factory: StoreFactory): void {
  const it = storeTest(factory);

  describe(`Store conformance, worker liveness and takeover: ${name}`, () => {
    it("a dead worker's deliveries, endpoints and slots are taken over once its heartbeat is stale, long before its leases end", async (s) => {
      await s.heartbeat('w1', T0);
      const held = await holdAll(s, 'w1', 300_000);
      await s.heartbeat('w2', T0 + 1000);
      // w1 dies right after T0. Fresh enough at T0+15s (dead after 20 s): nothing is taken.
      assert.deepEqual(await s.takeOverStaleLeases(T0 + 15_000, T0 + 15_000 - 20_000), { owners: [], deliveries: 0, webhooks: 0, slots: 0 });
      const early = await claimEverything(s, 'w2', T0 + 15_000);
      assert.deepEqual([early.deliveries.length, early.hooks.length, early.slot], [0, 0, undefined]);

      await s.heartbeat('w2', T0 + 21_000);
      const now = T0 + 25_000;
      assert.deepEqual(await s.takeOverStaleLeases(now, now - 20_000), { owners: ['w1'], deliveries: 1, webhooks: 1, slots: 1 });
      const got = await claimEverything(s, 'w2', now);
      assert.equal(got.deliveries.length, 1);
      const [d] = got.deliveries;
      assert.equal(d!.id, held.delivery.id);
      assert.equal(d!.possibleDuplicate, true, 'the dead worker may have sent it');
      assert.ok(d!.leaseToken > held.delivery.leaseToken);
      assert.equal(got.hooks.length, 1);
      assert.ok(got.hooks[0]!.leaseToken > held.hook.leaseToken);
      assert.ok(got.slot && got.slot.token > held.slot.token);
      await assertFenced(s, 'w1', held, now);
      assert.deepEqual(await s.recordOutcomes([deliveredOutcome(d!, now)]), [true], 'the new holder records the outcome');
      assert.deepEqual((await s.takeOverStaleLeases(now + 1, now - 20_000)).owners, [], 'the dead worker is forgotten once');
    });

    it('a live worker that keeps renewing never loses a lease, however long past the lease time it holds it', async (s) => {
      await s.heartbeat('w1', T0);
      const held = await holdAll(s, 'w1', 1000);
      // A slow session: w1 holds everything for 10 lease times, renewing and beating every 500 ms.
      for (let t = T0 + 500; t <= T0 + 10_000; t += 500) {
        await s.heartbeat('w1', t);
        assert.deepEqual(await s.renewLeases('w1', [ref(held.delivery)], t + 1000), []);
        assert.equal(await s.renewWebhookLease(held.hook.endpoint.id, held.hook.leaseToken, t + 1000), true);
        assert.deepEqual(await s.renewSlots('w1', [held.slot], t + 1000), []);
        await s.heartbeat('w2', t);
        assert.deepEqual(await s.takeOverStaleLeases(t + 250, t + 250 - 2000), { owners: [], deliveries: 0, webhooks: 0, slots: 0 });
        const got = await claimEverything(s, 'w2', t + 250);
        assert.deepEqual([got.deliveries.length, got.hooks.length, got.slot], [0, 0, undefined], `nothing stolen at +${t - T0} ms`);
      }
      const [ok] = await s.recordOutcomes([deliveredOutcome(held.delivery, T0 + 10_000)]);
      assert.equal(ok, true, 'the slow worker records its outcome');
      const m = await s.getMessage('ten_a', held.delivery.messageId);
      assert.equal(m!.deliveries[0]!.possibleDuplicate, false);
    });

    it('a worker taken for dead that comes back keeps what nobody claimed meanwhile', async (s) => {
      await s.heartbeat('w1', T0);
      const held = await holdAll(s, 'w1', 300_000);
      assert.equal((await s.takeOverStaleLeases(T0 + 30_000, T0 + 10_000)).deliveries, 1);
      // w1 was only stalled: it beats again and renews before anyone claimed.
      await s.heartbeat('w1', T0 + 31_000);
      assert.deepEqual(await s.renewLeases('w1', [ref(held.delivery)], T0 + 331_000), []);
      assert.equal((await claimEverything(s, 'w2', T0 + 32_000)).deliveries.length, 0, 'renewed again: held');
      assert.deepEqual(await s.recordOutcomes([deliveredOutcome(held.delivery, T0 + 32_000)]), [true]);
    });

    it('at start of the sole owner every lease of another owner is due at once; its own stay', async (s) => {
      await s.heartbeat('old', T0);
      const held = await holdAll(s, 'old', 300_000);
      await s.acceptMessages({ tenantId: 'ten_a', messages: [message('ten_a', T0, ['b@y.test'])], now: T0 });
      const [mine] = await s.claimDue({ owner: 'new', now: T0 + 1, leaseMs: 300_000, limit: 10, excludeDomains: [] });
      assert.equal(mine!.domain, 'y.test');
      await s.heartbeat('new', T0 + 1000);
      // The old process died a second ago: its heartbeat is fresh, its leases still taken.
      assert.deepEqual(await s.takeOverAllLeases('new', T0 + 1000), { owners: ['old'], deliveries: 1, webhooks: 1, slots: 1 });
      const got = await claimEverything(s, 'new', T0 + 1000);
      assert.deepEqual(got.deliveries.map((d) => [d.id, d.possibleDuplicate]), [[held.delivery.id, true]]);
      assert.equal(got.hooks.length, 1);
      assert.ok(got.slot);
      await assertFenced(s, 'old', held, T0 + 1000);
      assert.deepEqual(await s.renewLeases('new', [ref(mine!)], T0 + 301_000), [], "the caller's own lease is untouched");
      assert.deepEqual((await s.takeOverStaleLeases(T0 + 2000, T0 + 500)).owners, [], 'the old worker was forgotten');
    });
  });
}
