// describeDeliverability(): the Store verbs of issue 4 (sending domains and DKIM keys,
// suppression lists, hard-bounce suppressions with outcomes, asynchronous feedback), run
// against each adapter by its test file next to describeStore.
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { NewEvent } from '../../domain/events/types.js';
import type { ClaimedDelivery, DkimKeyRecord, FeedbackRecord, OutcomeRecord, SendingDomain, Store, Suppression } from '../store.js';
import { deliveredOutcome, message } from './fixtures.js';
import { storeTest, type StoreFactory } from './harness.js';

const T0 = 1_700_000_000_000;


const dkimKey = (id: string, extra: Partial<DkimKeyRecord> = {}): DkimKeyRecord => ({
  id,
  selector: `sel-${id}`,
  algorithm: 'rsa-sha256',
  publicKey: `pub-${id}`,
  privateKeySealed: `sealed-${id}`,
  createdAt: T0,
  activatedAt: T0,
  deactivatedAt: null,
  retireAt: null,
  ...extra,
});

const domain = (tenantId: string, name: string, keys: DkimKeyRecord[]): SendingDomain => ({
  tenantId,
  name,
  createdAt: T0,
  ownedAt: null,
  dkim: 'rsa',
  verifiedAt: null,
  lastCheck: null,
  keys,
});

const sup = (tenantId: string, address: string, extra: Partial<Suppression> = {}): Suppression => ({
  tenantId,
  address,
  reason: 'manual',
  sourceMessageId: null,
  createdAt: T0,
  ...extra,
});

async function deliveredOne(s: Store, to = 'jane@x.test'): Promise<ClaimedDelivery> {
  await s.acceptMessages({ tenantId: 'ten_a', messages: [message('ten_a', T0, [to])], now: T0 });
  const [d] = await s.claimDue({ owner: 'w', now: T0, leaseMs: 60_000, limit: 1, excludeDomains: [] });
  assert.deepEqual(await s.recordOutcomes([deliveredOutcome(d!, T0 + 1)]), [true]);
  return d!;
}

function dsn(d: ClaimedDelivery, at: number, tenantId = 'ten_a'): FeedbackRecord {
  const event: NewEvent = {
    type: 'bounced',
    messageId: d.messageId,
    deliveryId: d.id,
    recipient: d.recipient,
    at,
    data: { reply: '550 5.1.1 user unknown', attempt: 1, class: 'hard', reason: 'user_unknown', source: 'dsn' },
  };
  return {
    tenantId,
    deliveryId: d.id,
    event,
    bounce: { class: 'hard', reason: 'user_unknown', reply: '550 5.1.1 user unknown' },
    suppression: sup(tenantId, d.recipient, { reason: 'hard_bounce', sourceMessageId: d.messageId, createdAt: at }),
  };
}

export function describeDeliverability(name: string, factory: StoreFactory): void {
  const it = storeTest(factory);

  describe(`Store conformance, deliverability: ${name}`, () => {
    it('a domain is created once per tenant and comes back with its keys in order', async (s) => {
      assert.equal(await s.createDomain(domain('ten_a', 'acme.test', [dkimKey('k1'), dkimKey('k2', { algorithm: 'ed25519-sha256', createdAt: T0 + 1 })])), 'created');
      assert.equal(await s.createDomain(domain('ten_a', 'acme.test', [])), 'exists');
      const d = await s.getDomain('ten_a', 'ACME.test');
      assert.deepEqual(d, domain('ten_a', 'acme.test', [dkimKey('k1'), dkimKey('k2', { algorithm: 'ed25519-sha256', createdAt: T0 + 1 })]));
      assert.equal(await s.getDomain('ten_b', 'acme.test'), undefined, 'other tenants do not see it');
      assert.deepEqual(await s.listDomains('ten_b'), []);
      await s.createDomain(domain('ten_a', 'another.test', []));
      assert.deepEqual((await s.listDomains('ten_a')).map((x) => x.name), ['acme.test', 'another.test']);
    });

    it('rotation: keys are added pending and switched in one step; checks are recorded', async (s) => {
      await s.createDomain(domain('ten_a', 'acme.test', [dkimKey('old')]));
      assert.equal(await s.addDkimKeys('ten_b', 'acme.test', [dkimKey('evil')]), false, 'not the owner');
      assert.equal(await s.addDkimKeys('ten_a', 'acme.test', [dkimKey('new', { activatedAt: null, createdAt: T0 + 5 })]), true);
      assert.equal(await s.switchDkimKeys('ten_a', 'acme.test', { activate: ['new'], deactivate: ['old'], retireAt: T0 + 1000 }, T0 + 10), true);
      const keys = (await s.getDomain('ten_a', 'acme.test'))!.keys;
      assert.deepEqual(
        keys.map((k) => [k.id, k.activatedAt, k.deactivatedAt, k.retireAt]),
        [
          ['old', T0, T0 + 10, T0 + 1000],
          ['new', T0 + 10, null, null],
        ],
      );
      assert.equal(await s.switchDkimKeys('ten_b', 'acme.test', { activate: [], deactivate: ['new'], retireAt: 0 }, T0), false);
      const check = { at: T0 + 20, verified: true, records: [] };
      assert.equal(await s.recordDomainCheck('ten_a', 'acme.test', check), 'owned');
      assert.deepEqual([(await s.getDomain('ten_a', 'acme.test'))!.verifiedAt, (await s.getDomain('ten_a', 'acme.test'))!.lastCheck], [T0 + 20, check]);
      assert.equal(await s.recordDomainCheck('ten_a', 'acme.test', { at: T0 + 30, verified: false, records: [] }), 'recorded');
      const after = (await s.getDomain('ten_a', 'acme.test'))!;
      assert.deepEqual([after.verifiedAt, after.ownedAt], [null, T0 + 20], 'a failed later check does not undo the proof of ownership');
      assert.equal(await s.recordDomainCheck('ten_b', 'acme.test', check), 'missing');
    });

    it('deleting a domain removes its keys; it can be added again with the same selectors', async (s) => {
      await s.createDomain(domain('ten_a', 'acme.test', [dkimKey('k1')]));
      assert.equal(await s.deleteDomain('ten_b', 'acme.test'), false);
      assert.equal(await s.deleteDomain('ten_a', 'acme.test'), true);
      assert.equal(await s.getDomain('ten_a', 'acme.test'), undefined);
      assert.equal(await s.createDomain(domain('ten_b', 'acme.test', [dkimKey('k1')])), 'created');
      assert.equal((await s.getDomain('ten_b', 'acme.test'))!.keys.length, 1);
    });

    it('suppressions page in address order with search and reason filters, per tenant', async (s) => {
      const r = await s.suppressMany([
        sup('ten_a', 'c@x.test', { reason: 'complaint' }),
        sup('ten_a', 'A@x.test'),
        sup('ten_a', 'b_1@x.test', { reason: 'hard_bounce' }),
        sup('ten_a', 'b%1@y.test'),
        sup('ten_b', 'a@x.test'),
      ]);
      assert.deepEqual(r, { added: 5, updated: 0 });
      assert.deepEqual(await s.suppressMany([sup('ten_a', 'a@x.test', { reason: 'unsubscribe' }), sup('ten_a', 'd@x.test')]), { added: 1, updated: 1 });
      const p1 = await s.listSuppressions('ten_a', { limit: 2 });
      assert.deepEqual(p1.items.map((x) => x.address), ['a@x.test', 'b%1@y.test']);
      assert.equal(p1.items[0]!.reason, 'unsubscribe');
      const p2 = await s.listSuppressions('ten_a', { limit: 2, after: p1.next! });
      assert.deepEqual(p2.items.map((x) => x.address), ['b_1@x.test', 'c@x.test']);
      const p3 = await s.listSuppressions('ten_a', { limit: 2, after: p2.next! });
      assert.deepEqual([p3.items.map((x) => x.address), p3.next], [['d@x.test'], null]);
      assert.deepEqual((await s.listSuppressions('ten_a', { limit: 10, search: 'B_' })).items.map((x) => x.address), ['b_1@x.test'], '_ is literal');
      assert.deepEqual((await s.listSuppressions('ten_a', { limit: 10, search: '%' })).items.map((x) => x.address), ['b%1@y.test'], '% is literal');
      assert.deepEqual((await s.listSuppressions('ten_a', { limit: 10, search: '@y.' })).items.map((x) => x.address), ['b%1@y.test']);
      assert.deepEqual((await s.listSuppressions('ten_a', { limit: 10, reason: 'complaint' })).items.map((x) => x.address), ['c@x.test']);
      assert.deepEqual((await s.listSuppressions('ten_b', { limit: 10 })).items.map((x) => x.address), ['a@x.test']);
    });

    it('an outcome carries its suppression into the same commit, and a fenced outcome writes neither', async (s) => {
      await s.acceptMessages({ tenantId: 'ten_a', messages: [message('ten_a', T0, ['Hard@x.test', 'stale@x.test'])], now: T0 });
      const [hard, stale] = await s.claimDue({ owner: 'w', now: T0, leaseMs: 60_000, limit: 2, excludeDomains: [] });
      const bounced = (d: ClaimedDelivery, token = d.leaseToken): OutcomeRecord => ({
        ...deliveredOutcome(d, T0 + 5, token),
        state: 'bounced',
        bounceClass: 'hard',
        reason: 'user_unknown',
        event: { type: 'bounced', messageId: d.messageId, deliveryId: d.id, recipient: d.recipient, at: T0 + 5, data: { reply: '550 5.1.1', attempt: 1, class: 'hard', reason: 'user_unknown', source: 'smtp' } },
        suppression: sup('ten_a', d.recipient.toLowerCase(), { reason: 'hard_bounce', sourceMessageId: d.messageId, createdAt: T0 + 5 }),
      });
      assert.deepEqual(await s.recordOutcomes([bounced(hard!), bounced(stale!, stale!.leaseToken + 7)]), [true, false]);
      assert.deepEqual(await s.getSuppression('ten_a', 'hard@x.test'), sup('ten_a', 'hard@x.test', { reason: 'hard_bounce', sourceMessageId: hard!.messageId, createdAt: T0 + 5 }));
      assert.equal(await s.getSuppression('ten_a', 'stale@x.test'), undefined);
    });

    it('a DSN after delivery turns the delivery bounced with its event and suppression; a second one is a duplicate', async (s) => {
      const d = await deliveredOne(s);
      assert.deepEqual(await s.getDeliveryRef(d.id), { id: d.id, tenantId: 'ten_a', messageId: d.messageId, recipient: 'jane@x.test', state: 'delivered', attempts: 1, deliveredAt: T0 + 1 });
      assert.equal(await s.recordFeedback(dsn(d, T0 + 100, 'ten_b')), 'unknown_delivery', 'another tenant cannot touch it');
      assert.equal(await s.recordFeedback(dsn(d, T0 + 100)), 'recorded');
      const v = (await s.getMessage('ten_a', d.messageId))!;
      assert.deepEqual([v.deliveries[0]!.state, v.deliveries[0]!.bounceClass, v.deliveries[0]!.reason, v.deliveries[0]!.lastReply], ['bounced', 'hard', 'user_unknown', '550 5.1.1 user unknown']);
      assert.deepEqual(v.events.map((e) => e.type), ['queued', 'delivered', 'bounced']);
      assert.equal((await s.getSuppression('ten_a', 'jane@x.test'))?.reason, 'hard_bounce');
      assert.equal(await s.recordFeedback(dsn(d, T0 + 200)), 'duplicate');
      assert.equal((await s.getMessage('ten_a', d.messageId))!.events.length, 3);
      assert.equal(await s.recordFeedback({ ...dsn(d, T0), deliveryId: 'msg_nope.0' }), 'unknown_delivery');
    });

    it('a DSN for a delivery still leased makes it final and fences the worker off', async (s) => {
      await s.acceptMessages({ tenantId: 'ten_a', messages: [message('ten_a', T0, ['jane@x.test'])], now: T0 });
      const [d] = await s.claimDue({ owner: 'w', now: T0, leaseMs: 60_000, limit: 1, excludeDomains: [] });
      assert.equal(await s.recordFeedback(dsn(d!, T0 + 5)), 'recorded');
      assert.deepEqual(await s.recordOutcomes([deliveredOutcome(d!, T0 + 6)]), [false]);
      assert.equal((await s.getMessage('ten_a', d!.messageId))!.deliveries[0]!.state, 'bounced');
      assert.equal(await s.nextDueAt(), null);
    });

    it('a complaint or an unsubscribe is recorded once per delivery, with its suppression', async (s) => {
      const d = await deliveredOne(s);
      const complaint: FeedbackRecord = {
        tenantId: 'ten_a',
        deliveryId: d.id,
        event: { type: 'complained', messageId: d.messageId, deliveryId: d.id, recipient: d.recipient, at: T0 + 50, data: { feedback_type: 'abuse', source: 'arf' } },
        suppression: sup('ten_a', d.recipient, { reason: 'complaint', sourceMessageId: d.messageId, createdAt: T0 + 50 }),
      };
      assert.equal(await s.recordFeedback(complaint), 'recorded');
      assert.equal(await s.recordFeedback(complaint), 'duplicate');
      assert.equal((await s.getSuppression('ten_a', d.recipient))?.reason, 'complaint');
      const v = (await s.getMessage('ten_a', d.messageId))!;
      assert.deepEqual([v.deliveries[0]!.state, v.events.map((e) => e.type)], ['delivered', ['queued', 'delivered', 'complained']]);
      // An unsubscribe whose delivery is gone (retention) still suppresses the address.
      const gone: FeedbackRecord = {
        tenantId: 'ten_a',
        deliveryId: 'msg_gone.0',
        event: { type: 'unsubscribed', messageId: 'msg_gone', deliveryId: 'msg_gone.0', recipient: 'old@x.test', at: T0 + 60, data: { source: 'one_click' } },
        suppression: sup('ten_a', 'old@x.test', { reason: 'unsubscribe', sourceMessageId: 'msg_gone', createdAt: T0 + 60 }),
      };
      assert.equal(await s.recordFeedback(gone), 'unknown_delivery');
      assert.equal((await s.getSuppression('ten_a', 'old@x.test'))?.reason, 'unsubscribe');
      assert.equal(await s.recordFeedback(gone), 'duplicate');
    });
  });
}
