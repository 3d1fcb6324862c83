// describeStore(): every behaviour the Store contract promises, run against each adapter.
// Adapter test files call it with a factory that opens a fresh, isolated store.
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { storeTest, type StoreFactory } from './harness.js';
import { deferredOutcome, deliveredOutcome, message } from './fixtures.js';

const T0 = 1_700_000_000_000;


export type { StoreFactory } from './harness.js';

export function describeStore(name: string, factory: StoreFactory): void {
  const it = storeTest(factory);

  describe(`Store conformance: ${name}`, () => {
    it('migrate twice is harmless', async (s) => {
      await s.migrate();
      assert.equal((await s.listTenants()).length, 2);
    });

    it('tenant settings merge on update and come back with the tenant', async (s) => {
      assert.deepEqual((await s.getTenant('ten_a'))?.settings, {});
      await s.updateTenantSettings('ten_a', { listUnsubscribe: 'always' });
      const t = await s.updateTenantSettings('ten_a', { tracking: { opens: true, clicks: false } });
      assert.deepEqual(t?.settings, { listUnsubscribe: 'always', tracking: { opens: true, clicks: false } });
      assert.deepEqual((await s.getTenant('ten_a'))?.settings, t?.settings);
      assert.equal(await s.updateTenantSettings('ten_nope', { listUnsubscribe: 'bulk' }), undefined);
    });

    it('a named secret is created once and then shared', async (s) => {
      const [a, b] = await Promise.all([s.getOrCreateSecret('signing', () => 'first'), s.getOrCreateSecret('signing', () => 'second')]);
      assert.equal(a, b);
      assert.equal(await s.getOrCreateSecret('signing', () => 'third'), a);
      assert.equal(await s.getOrCreateSecret('other', () => 'x'), 'x');
    });

    it('API keys are stored, listed and revoked', async (s) => {
      await s.createApiKey({ id: 'k1', tenantId: 'ten_a', name: 'one', hash: 'ab'.repeat(32), scopes: ['send', 'read'], createdAt: T0, revokedAt: null });
      assert.deepEqual((await s.getApiKey('k1'))?.scopes, ['send', 'read']);
      assert.equal((await s.listApiKeys('ten_a')).length, 1);
      assert.equal(await s.revokeApiKey('ten_b', 'k1', T0), false, 'another tenant cannot revoke');
      assert.equal(await s.revokeApiKey('ten_a', 'k1', T0 + 1), true);
      assert.equal((await s.getApiKey('k1'))?.revokedAt, T0 + 1);
      assert.equal(await s.revokeApiKey('ten_a', 'k1', T0 + 2), false, 'revoking twice reports nothing to do');
    });

    it('acceptance writes the message, one delivery per recipient and a queued event each', async (s) => {
      const m = message('ten_a', T0, ['a@x.test', 'b@y.test']);
      const out = await s.acceptMessages({ tenantId: 'ten_a', messages: [m], now: T0 });
      assert.equal(out.kind, 'accepted');
      assert.deepEqual(out.kind === 'accepted' && out.messages[0]!.recipients.map((r) => r.status), ['queued', 'queued']);
      const view = await s.getMessage('ten_a', m.id);
      assert.ok(view);
      assert.deepEqual(view.deliveries.map((d) => [d.recipient, d.domain, d.state]), [['a@x.test', 'x.test', 'queued'], ['b@y.test', 'y.test', 'queued']]);
      assert.deepEqual(view.events.map((e) => e.type), ['queued', 'queued']);
      assert.deepEqual(view.tags, ['t1']);
      assert.deepEqual(view.metadata, { k: 'v' });
      assert.equal(await s.getMessage('ten_b', m.id), undefined, 'other tenants do not see it');
    });

    it('a scheduled message is not due before its time', async (s) => {
      const m = message('ten_a', T0, ['a@x.test'], { sendAt: T0 + 60_000 });
      const out = await s.acceptMessages({ tenantId: 'ten_a', messages: [m], now: T0 });
      assert.equal(out.kind === 'accepted' && out.messages[0]!.recipients[0]!.status, 'scheduled');
      assert.equal((await s.claimDue({ owner: 'w', now: T0 + 59_999, leaseMs: 1000, limit: 10, excludeDomains: [] })).length, 0);
      assert.equal((await s.claimDue({ owner: 'w', now: T0 + 60_000, leaseMs: 1000, limit: 10, excludeDomains: [] })).length, 1);
    });

    it('an acceptance is all or nothing', async (s) => {
      const ok = message('ten_a', T0, ['a@x.test']);
      const dup = message('ten_a', T0, ['b@x.test'], { id: ok.id });
      await assert.rejects(s.acceptMessages({ tenantId: 'ten_a', messages: [ok, dup], now: T0 }));
      assert.equal(await s.getMessage('ten_a', ok.id), undefined);
      assert.equal((await s.listEvents('ten_a', undefined, 10)).events.length, 0);
    });

    it('one failing acceptance does not undo a concurrent one', async (s) => {
      const a = message('ten_a', T0, ['a@x.test']);
      const clash = message('ten_a', T0, ['b@x.test'], { id: a.id });
      const results = await Promise.allSettled([
        s.acceptMessages({ tenantId: 'ten_a', messages: [a], now: T0 }),
        s.acceptMessages({ tenantId: 'ten_a', messages: [clash], now: T0 }),
      ]);
      assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected']);
      assert.ok(await s.getMessage('ten_a', a.id));
    });

    it('an idempotency key replays the first answer, conflicts on another body, and expires', async (s) => {
      const idem = { key: 'k-1', requestHash: 'h1', expiresAt: T0 + 1000 };
      const first = await s.acceptMessages({ tenantId: 'ten_a', messages: [message('ten_a', T0, ['a@x.test'])], idempotency: idem, now: T0 });
      const again = await s.acceptMessages({ tenantId: 'ten_a', messages: [message('ten_a', T0, ['a@x.test'])], idempotency: idem, now: T0 + 1 });
      assert.equal(again.kind, 'replayed');
      assert.deepEqual(again.kind === 'replayed' && again.messages, first.kind === 'accepted' && first.messages);
      assert.equal((await s.listEvents('ten_a', undefined, 100)).events.length, 1, 'the replay wrote nothing');
      const other = await s.acceptMessages({ tenantId: 'ten_a', messages: [message('ten_a', T0, ['a@x.test'])], idempotency: { ...idem, requestHash: 'h2' }, now: T0 + 2 });
      assert.equal(other.kind, 'idempotency_conflict');
      const otherTenant = await s.acceptMessages({ tenantId: 'ten_b', messages: [message('ten_b', T0, ['a@x.test'])], idempotency: idem, now: T0 + 3 });
      assert.equal(otherTenant.kind, 'accepted', 'keys are per tenant');
      const later = await s.acceptMessages({ tenantId: 'ten_a', messages: [message('ten_a', T0, ['a@x.test'])], idempotency: { ...idem, requestHash: 'h3', expiresAt: T0 + 5000 }, now: T0 + 1000 });
      assert.equal(later.kind, 'accepted', 'an expired key is free again');
      assert.equal(await s.purgeIdempotency(T0 + 10_000), 2);
    });

    it('a suppressed recipient is dropped at acceptance with its reason', async (s) => {
      await s.suppress({ tenantId: 'ten_a', address: 'gone@x.test', reason: 'hard_bounce', sourceMessageId: null, createdAt: T0 });
      const m = message('ten_a', T0, ['gone@x.test', 'ok@x.test']);
      const out = await s.acceptMessages({ tenantId: 'ten_a', messages: [m], now: T0 });
      assert.deepEqual(
        out.kind === 'accepted' && out.messages[0]!.recipients.map((r) => [r.status, r.reason]),
        [['dropped', 'suppressed:hard_bounce'], ['queued', undefined]],
      );
      const claimed = await s.claimDue({ owner: 'w', now: T0, leaseMs: 1000, limit: 10, excludeDomains: [] });
      assert.deepEqual(claimed.map((c) => c.recipient), ['ok@x.test']);
      const types = (await s.getMessage('ten_a', m.id))!.events.map((e) => e.type).sort();
      assert.deepEqual(types, ['dropped', 'queued']);
    });

    it('suppressions are keyed canonically: any spelling suppresses, finds, drops and removes the one entry', async (s) => {
      await s.suppress({ tenantId: 'ten_a', address: '"E1-RA1"@Sink.TEST', reason: 'unsubscribe', sourceMessageId: null, createdAt: T0 });
      assert.equal((await s.getSuppression('ten_a', 'e1-ra1@sink.test'))?.address, 'e1-ra1@sink.test');
      // Recipients as a delivery accepted under older rules may still spell them.
      const out = await s.acceptMessages({ tenantId: 'ten_a', messages: [message('ten_a', T0, ['"e1-ra1"@sink.test'])], now: T0 });
      assert.deepEqual(out.kind === 'accepted' && out.messages[0]!.recipients.map((r) => r.status), ['dropped']);
      assert.equal(await s.unsuppress('ten_a', '"e1-RA1"@sink.test'), true);
      assert.equal(await s.getSuppression('ten_a', 'e1-ra1@sink.test'), undefined);
    });

    it('claims lease due deliveries once, up to the limit, skipping excluded domains', async (s) => {
      await s.acceptMessages({ tenantId: 'ten_a', messages: [message('ten_a', T0, ['a@x.test', 'b@x.test', 'c@y.test', 'd@z.test'])], now: T0 });
      const first = await s.claimDue({ owner: 'w1', now: T0, leaseMs: 10_000, limit: 2, excludeDomains: ['y.test'] });
      assert.equal(first.length, 2);
      assert.ok(first.every((d) => d.domain !== 'y.test'));
      const second = await s.claimDue({ owner: 'w2', now: T0, leaseMs: 10_000, limit: 10, excludeDomains: [] });
      assert.deepEqual(new Set([...first, ...second].map((d) => d.id)).size, 4, 'no delivery is claimed twice');
      assert.equal((await s.claimDue({ owner: 'w3', now: T0 + 9_999, leaseMs: 10_000, limit: 10, excludeDomains: [] })).length, 0);
      assert.ok(first.every((d) => !d.possibleDuplicate && d.attempts === 0 && d.acceptedAt === T0));
    });

    it('concurrent claims never hand one delivery to two owners', async (s) => {
      const msgs = Array.from({ length: 20 }, (_, i) => message('ten_a', T0, [`r${i}@x.test`, `s${i}@y.test`]));
      await s.acceptMessages({ tenantId: 'ten_a', messages: msgs, now: T0 });
      const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => s.claimDue({ owner: `w${i}`, now: T0, leaseMs: 10_000, limit: 7, excludeDomains: [] })));
      const ids = claims.flat().map((d) => d.id);
      assert.equal(ids.length, 40);
      assert.equal(new Set(ids).size, 40);
    });

    it('an expired lease is claimed again with a new token and flagged possible_duplicate', async (s) => {
      await s.acceptMessages({ tenantId: 'ten_a', messages: [message('ten_a', T0, ['a@x.test'])], now: T0 });
      const [a] = await s.claimDue({ owner: 'w1', now: T0, leaseMs: 1000, limit: 1, excludeDomains: [] });
      const [b] = await s.claimDue({ owner: 'w2', now: T0 + 1000, leaseMs: 1000, limit: 1, excludeDomains: [] });
      assert.ok(a && b);
      assert.equal(b.id, a.id);
      assert.notEqual(b.leaseToken, a.leaseToken);
      assert.equal(b.possibleDuplicate, true);
      assert.deepEqual(await s.recordOutcomes([deliveredOutcome(a, T0 + 1001)]), [false], 'the old holder is fenced off');
      assert.deepEqual(await s.recordOutcomes([deliveredOutcome(b, T0 + 1002)]), [true]);
      const v = await s.getMessage('ten_a', a.messageId);
      assert.equal(v!.deliveries[0]!.state, 'delivered');
      assert.equal(v!.events.filter((e) => e.type === 'delivered').length, 1, 'the fenced outcome wrote no event');
    });

    it('renewed leases stay held; released ones are due at once without a duplicate flag', async (s) => {
      await s.acceptMessages({ tenantId: 'ten_a', messages: [message('ten_a', T0, ['a@x.test', 'b@x.test'])], now: T0 });
      const held = await s.claimDue({ owner: 'w1', now: T0, leaseMs: 1000, limit: 2, excludeDomains: [] });
      await s.renewLeases('w1', [{ deliveryId: held[0]!.id, leaseToken: held[0]!.leaseToken }], T0 + 5000);
      await s.releaseLeases('w1', [{ deliveryId: held[1]!.id, leaseToken: held[1]!.leaseToken }], T0 + 10);
      const again = await s.claimDue({ owner: 'w2', now: T0 + 2000, leaseMs: 100_000, limit: 10, excludeDomains: [] });
      assert.deepEqual(again.map((d) => [d.id, d.possibleDuplicate]), [[held[1]!.id, false]]);
      await s.renewLeases('w-other', [{ deliveryId: held[0]!.id, leaseToken: held[0]!.leaseToken }], T0 + 99_000);
      assert.equal((await s.claimDue({ owner: 'w3', now: T0 + 5000, leaseMs: 1000, limit: 10, excludeDomains: [] })).length, 1, 'only the owner renews');
    });

    it('one lease records one outcome: a second one with the same token is refused', async (s) => {
      await s.acceptMessages({ tenantId: 'ten_a', messages: [message('ten_a', T0, ['a@x.test'])], now: T0 });
      const [d] = await s.claimDue({ owner: 'w', now: T0, leaseMs: 1000, limit: 1, excludeDomains: [] });
      assert.deepEqual(await s.recordOutcomes([deferredOutcome(d!, T0 + 5, T0 + 60_000)]), [true]);
      assert.deepEqual(await s.recordOutcomes([deliveredOutcome(d!, T0 + 6)]), [false]);
      const v = await s.getMessage('ten_a', d!.messageId);
      assert.equal(v!.deliveries[0]!.state, 'deferred');
    });

    it('a deferral sets the next attempt and counts the attempt', async (s) => {
      await s.acceptMessages({ tenantId: 'ten_a', messages: [message('ten_a', T0, ['a@x.test'])], now: T0 });
      const [d] = await s.claimDue({ owner: 'w', now: T0, leaseMs: 1000, limit: 1, excludeDomains: [] });
      assert.deepEqual(await s.recordOutcomes([deferredOutcome(d!, T0 + 5, T0 + 60_000)]), [true]);
      assert.equal(await s.nextDueAt(), T0 + 60_000);
      assert.equal((await s.claimDue({ owner: 'w', now: T0 + 59_999, leaseMs: 1000, limit: 1, excludeDomains: [] })).length, 0);
      const [again] = await s.claimDue({ owner: 'w', now: T0 + 60_000, leaseMs: 1000, limit: 1, excludeDomains: [] });
      assert.equal(again!.attempts, 1);
      assert.equal(again!.state, 'deferred');
      assert.equal(again!.possibleDuplicate, false);
      await s.recordOutcomes([deliveredOutcome(again!, T0 + 60_001)]);
      assert.equal(await s.nextDueAt(), null);
      const stats = await s.queueStats(T0 + 60_002);
      assert.equal(stats.byState.delivered, 1);
      assert.equal(stats.due, 0);
    });

    it('the event feed pages in commit order with a stable cursor, per tenant', async (s) => {
      for (let i = 0; i < 5; i++) await s.acceptMessages({ tenantId: 'ten_a', messages: [message('ten_a', T0 + i, [`r${i}@x.test`])], now: T0 + i });
      await s.acceptMessages({ tenantId: 'ten_b', messages: [message('ten_b', T0, ['o@x.test'])], now: T0 });
      const p1 = await s.listEvents('ten_a', undefined, 2);
      const p2 = await s.listEvents('ten_a', p1.cursor, 2);
      const p3 = await s.listEvents('ten_a', p2.cursor, 2);
      const p4 = await s.listEvents('ten_a', p3.cursor, 2);
      assert.deepEqual([p1, p2, p3, p4].map((p) => p.events.length), [2, 2, 1, 0]);
      assert.equal(p4.cursor, p3.cursor, 'an empty page keeps the cursor');
      const recipients = [p1, p2, p3].flatMap((p) => p.events.map((e) => e.recipient));
      assert.deepEqual(recipients, ['r0@x.test', 'r1@x.test', 'r2@x.test', 'r3@x.test', 'r4@x.test']);
      assert.equal(new Set([p1, p2, p3].flatMap((p) => p.events.map((e) => e.id))).size, 5);
      await s.appendEvents('ten_a', [{ type: 'opened', messageId: 'm', recipient: 'r0@x.test', at: T0 + 9, data: { ua: 'x' } }]);
      const p5 = await s.listEvents('ten_a', p4.cursor, 10);
      assert.deepEqual(p5.events.map((e) => [e.type, e.data]), [['opened', { ua: 'x' }]]);
      assert.equal((await s.listEvents('ten_b', undefined, 10)).events.length, 1);
    });

    it('outcomes in one batch are fenced one by one; of two racing holders only the current lease records', async (s) => {
      await s.acceptMessages({ tenantId: 'ten_a', messages: [message('ten_a', T0, ['a@x.test', 'b@y.test'])], now: T0 });
      const held = await s.claimDue({ owner: 'w1', now: T0, leaseMs: 1000, limit: 2, excludeDomains: [] });
      const byDomain = (d: string) => held.find((x) => x.domain === d)!;
      const [taken] = await s.claimDue({ owner: 'w2', now: T0 + 1000, leaseMs: 1000, limit: 1, excludeDomains: ['y.test'] });
      assert.equal(taken!.id, byDomain('x.test').id);
      const [stale, current] = await Promise.all([
        s.recordOutcomes([deliveredOutcome(byDomain('x.test'), T0 + 1001), deliveredOutcome(byDomain('y.test'), T0 + 1001)]),
        s.recordOutcomes([deliveredOutcome(taken!, T0 + 1002)]),
      ]);
      assert.deepEqual(stale, [false, true], 'the lost lease is fenced off, the held one in the same batch is not');
      assert.deepEqual(current, [true]);
      const v = await s.getMessage('ten_a', taken!.messageId);
      assert.deepEqual(v!.deliveries.map((d) => d.state), ['delivered', 'delivered']);
      assert.equal(v!.events.filter((e) => e.type === 'delivered').length, 2, 'one event per recorded outcome');
    });

    it('a reader paging while writers commit concurrently sees every event exactly once', async (s) => {
      let writing = true;
      const accepters = Array.from({ length: 4 }, async (_, w) => {
        for (let i = 0; i < 10; i++) await s.acceptMessages({ tenantId: 'ten_a', messages: [message('ten_a', T0, [`a${w}.${i}@x.test`])], now: T0 });
      });
      const appenders = Array.from({ length: 4 }, async (_, w) => {
        for (let i = 0; i < 10; i++) await s.appendEvents('ten_a', [{ type: 'opened', messageId: 'm', recipient: `o${w}.${i}@x.test`, at: T0, data: {} }]);
      });
      const writers = Promise.all([...accepters, ...appenders]).finally(() => (writing = false));
      const seen: string[] = [];
      let cursor: string | undefined;
      const page = async (): Promise<number> => {
        const p = await s.listEvents('ten_a', cursor, 7);
        seen.push(...p.events.map((e) => e.id));
        cursor = p.cursor;
        return p.events.length;
      };
      while (writing) {
        await page();
        await new Promise((r) => setImmediate(r)); // let writes that run on the event loop proceed
      }
      await writers;
      while ((await page()) > 0) {
        // drain what committed after the last read
      }
      assert.equal(seen.length, 80);
      assert.equal(new Set(seen).size, 80);
    });

    it('destination back-off is stored and updated', async (s) => {
      assert.equal(await s.getDestination('x.test'), undefined);
      await s.putDestination({ domain: 'x.test', deadUntil: T0 + 60_000, failures: 1, lastError: 'refused' });
      await s.putDestination({ domain: 'x.test', deadUntil: T0 + 120_000, failures: 2, lastError: 'refused again' });
      assert.deepEqual(await s.getDestination('x.test'), { domain: 'x.test', deadUntil: T0 + 120_000, failures: 2, lastError: 'refused again' });
    });

    it('a per-recipient MIME variant is stored and loaded for that delivery', async (s) => {
      const m = message('ten_a', T0, ['a@x.test']);
      const withRaw = { ...m, recipients: [{ ...m.recipients[0]!, raw: Buffer.from('own raw') }] };
      await s.acceptMessages({ tenantId: 'ten_a', messages: [withRaw], now: T0 });
      const [d] = await s.claimDue({ owner: 'w', now: T0, leaseMs: 1000, limit: 1, excludeDomains: [] });
      assert.equal(d!.hasOwnRaw, true);
      assert.equal((await s.loadDeliveryRaw(d!.id))?.toString(), 'own raw');
      const msgs = await s.loadMessages([d!.messageId]);
      assert.equal(msgs.get(d!.messageId)?.raw.toString(), m.raw.toString());
    });
  });
}
