// Queue control: holds parked in the claim, actions with their events and audit, views. Both adapters.
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { planAction, type QueueAction } from '../../domain/queue/control.js';
import type { DeliverySelector, QueueHold, Store } from '../store.js';
import { storeTest, type StoreFactory } from './harness.js';
import { deferredOutcome, message } from './fixtures.js';

const T0 = 1_700_000_000_000;
const claim = (s: Store, now: number, limit = 100) => s.claimDue({ owner: 'w', now, leaseMs: 10_000, limit, excludeDomains: [] });

function act(s: Store, scope: string | null, selector: DeliverySelector, a: QueueAction, now: number, extra: { createHold?: QueueHold; deleteHold?: string } = {}) {
  return s.actOnQueue({
    scope,
    selector,
    now,
    plan: (d) => planAction(d, a, { now, by: 'key1' }),
    audit: { at: now, tenantId: scope, keyId: 'key1', action: a.kind, target: { selector: selector.kind }, reason: null },
    limit: 1000,
    ...extra,
  });
}

export function describeQueueControl(name: string, factory: StoreFactory): void {
  const it = storeTest(factory);
  describe(`Queue control: ${name}`, () => {
    it('a held delivery is not claimed; release makes it due again; repeating touches nothing', async (s) => {
      const m = message('ten_a', T0, ['a@x.test', 'b@x.test']);
      await s.acceptMessages({ tenantId: 'ten_a', messages: [m], now: T0 });
      const hold = await act(s, 'ten_a', { kind: 'filter', filter: { recipient: 'a@' } }, { kind: 'hold', reason: 'check', until: null }, T0);
      assert.deepEqual([hold.matched, hold.touched], [1, 1]);
      assert.equal((await act(s, 'ten_a', { kind: 'filter', filter: { recipient: 'a@' } }, { kind: 'hold', reason: 'check', until: null }, T0)).touched, 0, 'safe to repeat');
      const got = await claim(s, T0 + 1);
      assert.deepEqual(got.map((d) => d.recipient), ['b@x.test']);
      const held = await s.listQueue({ scope: 'ten_a', filter: { states: ['held'] }, limit: 10, now: T0 + 1 });
      assert.deepEqual(held.items.map((i) => [i.recipient, i.holdReason]), [['a@x.test', 'check']]);
      assert.equal((await act(s, 'ten_b', { kind: 'filter', filter: {} }, { kind: 'release' }, T0 + 2)).matched, 0, 'another tenant sees none of it');
      const rel = await act(s, 'ten_a', { kind: 'deliveries', ids: [`${m.id}.0`] }, { kind: 'release' }, T0 + 2);
      assert.equal(rel.touched, 1);
      assert.deepEqual((await claim(s, T0 + 3)).map((d) => d.recipient), ['a@x.test']);
      const types = (await s.getMessage('ten_a', m.id))!.events.map((e) => e.type);
      assert.deepEqual(types.filter((t) => t === 'held' || t === 'released'), ['held', 'released']);
      const audit = await s.listAudit('ten_a', 10);
      assert.deepEqual(audit.map((a) => [a.action, a.touched, a.keyId]), [['release', 1, 'key1'], ['release', 0, 'key1'], ['hold', 0, 'key1'], ['hold', 1, 'key1']].filter((_, i) => i !== 1));
    });

    it('a destination hold parks what is queued and what arrives later; its expiry or release frees them', async (s) => {
      const hold: QueueHold = { id: 'hold_1', tenantId: null, destination: 'x.test', reason: 'blocklisted', createdAt: T0, expiresAt: null, createdBy: 'key1' };
      await s.acceptMessages({ tenantId: 'ten_a', messages: [message('ten_a', T0, ['a@x.test', 'c@y.test'])], now: T0 });
      const r = await act(s, null, { kind: 'filter', filter: { destination: 'x.test' } }, { kind: 'hold', reason: 'blocklisted', until: null, parkedBy: 'hold_1' }, T0, { createHold: hold });
      assert.equal(r.touched, 1);
      await s.acceptMessages({ tenantId: 'ten_b', messages: [message('ten_b', T0, ['later@x.test'])], now: T0 + 5 });
      assert.deepEqual((await claim(s, T0 + 10)).map((d) => d.recipient), ['c@y.test'], 'the late arrival is parked by the claim');
      assert.equal((await s.listHolds('ten_b', T0 + 10)).length, 1, 'a tenant sees the platform hold that covers it');
      const counts = await s.queueCounts(null, T0 + 10);
      assert.equal(counts.find((c) => c.destination === 'x.test')?.counts.held, 2);
      assert.equal(await s.nextDueAt().then((t) => t !== null && t > T0 + 10), true, 'parked deliveries are not due');
      const rel = await act(s, null, { kind: 'parked_by', holdId: 'hold_1' }, { kind: 'release', parkedBy: 'hold_1' }, T0 + 20, { deleteHold: 'hold_1' });
      assert.equal(rel.touched, 2);
      assert.equal((await s.listHolds(null, T0 + 20)).length, 0);
      assert.deepEqual((await claim(s, T0 + 21)).map((d) => d.recipient).sort(), ['a@x.test', 'later@x.test']);
    });

    it('a tenant hold with an end: deliveries come due when it ends', async (s) => {
      const hold: QueueHold = { id: 'hold_t', tenantId: 'ten_a', destination: null, reason: 'paused', createdAt: T0, expiresAt: T0 + 1000, createdBy: 'key1' };
      await s.acceptMessages({ tenantId: 'ten_a', messages: [message('ten_a', T0, ['a@x.test'])], now: T0 });
      await act(s, 'ten_a', { kind: 'filter', filter: { tenantId: 'ten_a' } }, { kind: 'hold', reason: 'paused', until: T0 + 1000, parkedBy: 'hold_t' }, T0, { createHold: hold });
      await s.acceptMessages({ tenantId: 'ten_b', messages: [message('ten_b', T0, ['b@x.test'])], now: T0 });
      assert.deepEqual((await claim(s, T0 + 10)).map((d) => d.tenantId), ['ten_b']);
      assert.equal((await claim(s, T0 + 999)).length, 0);
      assert.deepEqual((await claim(s, T0 + 1000)).map((d) => d.tenantId), ['ten_a']);
    });

    it('retry makes a deferred delivery due now; bounce and delete end deliveries with their events', async (s) => {
      const m = message('ten_a', T0, ['a@x.test', 'b@x.test', 'c@x.test']);
      await s.acceptMessages({ tenantId: 'ten_a', messages: [m], now: T0 });
      const got = await claim(s, T0);
      await s.recordOutcomes(got.map((d) => deferredOutcome(d, T0 + 1, T0 + 3_600_000)));
      assert.deepEqual((await s.listQueue({ scope: 'ten_a', filter: { reply: '451 LATER' }, limit: 10, now: T0 + 2 })).items.map((i) => i.queueState), ['deferred', 'deferred', 'deferred']);
      const retry = await act(s, 'ten_a', { kind: 'deliveries', ids: [`${m.id}.0`] }, { kind: 'retry' }, T0 + 2);
      assert.equal(retry.touched, 1);
      assert.deepEqual((await claim(s, T0 + 2)).map((d) => d.recipient), ['a@x.test']);
      const b = await act(s, 'ten_a', { kind: 'deliveries', ids: [`${m.id}.1`] }, { kind: 'bounce', reason: 'bad campaign' }, T0 + 3);
      const d = await act(s, 'ten_a', { kind: 'deliveries', ids: [`${m.id}.2`, `${m.id}.0`] }, { kind: 'delete', reason: 'oops' }, T0 + 3);
      assert.deepEqual([b.touched, d.touched, d.skipped.in_flight], [1, 1, 1], 'the delivery in flight is left to its attempt');
      const view = (await s.getMessage('ten_a', m.id))!;
      assert.deepEqual(view.deliveries.map((x) => x.state), ['deferred', 'bounced', 'dropped']);
      const bounced = view.events.find((e) => e.type === 'bounced');
      assert.equal(bounced?.type === 'bounced' && bounced.data.reason, 'administrative');
      assert.equal((await act(s, 'ten_a', { kind: 'deliveries', ids: [`${m.id}.1`] }, { kind: 'bounce', reason: 'again' }, T0 + 4)).matched, 0, 'a final delivery is not matched again');
    });

    it('a hold on a delivery in flight waits for its attempt, then holds it; a late outcome of a parked delivery is fenced off', async (s) => {
      await s.acceptMessages({ tenantId: 'ten_a', messages: [message('ten_a', T0, ['a@x.test', 'b@x.test'])], now: T0 });
      const [a, b] = await claim(s, T0);
      const h = await act(s, 'ten_a', { kind: 'filter', filter: { destination: 'x.test' } }, { kind: 'hold', reason: 'later', until: null }, T0 + 1);
      assert.deepEqual([h.matched, h.touched], [2, 2], 'the hold is noted on both');
      assert.deepEqual((await s.listQueue({ scope: 'ten_a', filter: { states: ['in_flight'] }, limit: 10, now: T0 + 1 })).items.length, 2);
      assert.deepEqual(await s.recordOutcomes([deferredOutcome(a!, T0 + 2, T0 + 5)]), [true], 'the attempt under way records its outcome');
      assert.equal((await claim(s, T0 + 5)).length, 0, 'deferred again, it is parked by the hold instead of claimed');
      // b's lease runs out (its worker died); the next claim parks it and fences its old lease.
      assert.equal((await claim(s, T0 + 20_000)).length, 0);
      assert.deepEqual(await s.recordOutcomes([deferredOutcome(b!, T0 + 20_001, T0 + 30_000)]), [false]);
      const held = await s.listQueue({ scope: 'ten_a', filter: { states: ['held'] }, limit: 10, now: T0 + 20_001 });
      assert.equal(held.items.length, 2);
    });

    it('lists page by cursor and filter by tag, sender and age', async (s) => {
      await s.acceptMessages({ tenantId: 'ten_a', messages: [message('ten_a', T0, ['a@x.test', 'b@x.test', 'c@y.test'], { tags: ['promo'] })], now: T0 });
      await s.acceptMessages({ tenantId: 'ten_a', messages: [message('ten_a', T0 + 60_000, ['d@x.test'])], now: T0 + 60_000 });
      const p1 = await s.listQueue({ scope: 'ten_a', filter: {}, limit: 2, now: T0 + 60_000 });
      const p2 = await s.listQueue({ scope: 'ten_a', filter: {}, limit: 2, now: T0 + 60_000, ...(p1.next ? { after: p1.next } : {}) });
      assert.equal(p1.items.length + p2.items.length, 4);
      assert.equal(p2.next, null);
      assert.equal((await s.listQueue({ scope: 'ten_a', filter: { tag: 'promo' }, limit: 10, now: T0 + 60_000 })).items.length, 3);
      assert.equal((await s.listQueue({ scope: 'ten_a', filter: { sender: 'SENDER@example' }, limit: 10, now: T0 + 60_000 })).items.length, 4);
      assert.equal((await s.listQueue({ scope: 'ten_a', filter: { olderThanMs: 30_000 }, limit: 10, now: T0 + 60_000 })).items.length, 3);
      assert.equal((await s.listQueue({ scope: 'ten_b', filter: {}, limit: 10, now: T0 + 60_000 })).items.length, 0);
      const counts = await s.queueCounts('ten_a', T0 + 60_000);
      assert.deepEqual(counts.map((c) => [c.destination, c.total, c.oldestAcceptedAt]), [['x.test', 3, T0], ['y.test', 1, T0]]);
    });

    it('tenant status: suspend, resume, delete', async (s) => {
      const t = await s.setTenantStatus('ten_a', { suspendedAt: T0, suspendReason: 'abuse' });
      assert.deepEqual([t?.suspendedAt, t?.suspendReason], [T0, 'abuse']);
      const r = await s.setTenantStatus('ten_a', { suspendedAt: null, suspendReason: null });
      assert.equal(r?.suspendedAt, undefined);
      assert.equal((await s.setTenantStatus('ten_b', { deletedAt: T0 }))?.deletedAt, T0);
      assert.equal(await s.setTenantStatus('ten_nope', { deletedAt: T0 }), undefined);
    });
  });
}
