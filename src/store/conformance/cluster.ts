// describeCluster(): what many processes on one store rely on besides claims: a first start that
// exactly one process wins, leases a worker learns it lost, scheduled sends released once.
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { ApiKeyRecord } from '../store.js';
import { deliveredOutcome, message } from './fixtures.js';
import { storeTest, type StoreFactory } from './harness.js';

const T0 = 1_700_000_000_000;


const key = (id: string, tenantId: string): ApiKeyRecord => ({ id, tenantId, name: 'admin', hash: 'ab'.repeat(32), scopes: ['admin'], createdAt: T0, revokedAt: null });

export function describeCluster(name: string, factory: StoreFactory): void {
  const it = storeTest(factory, { tenants: false });

  describe(`Store conformance, many processes: ${name}`, () => {
    it('of concurrent first starts exactly one creates the tenant and its key', async (s) => {
      const results = await Promise.all(
        [1, 2, 3].map((i) => s.createFirstTenant({ id: `ten_${i}`, name: 'default', createdAt: T0 + i }, key(`k${i}`, `ten_${i}`))),
      );
      assert.deepEqual(results.filter(Boolean).length, 1);
      const tenants = await s.listTenants();
      assert.equal(tenants.length, 1);
      const winner = tenants[0]!.id;
      assert.equal((await s.listApiKeys(winner)).length, 1, 'the key came with its tenant');
      assert.equal(await s.createFirstTenant({ id: 'ten_9', name: 'other', createdAt: T0 }, key('k9', 'ten_9')), false);
      assert.equal(await s.getApiKey('k9'), undefined, 'a refused first start writes nothing');
    });

    it('renewing reports the leases another worker has claimed since, not the finished ones', async (s) => {
      await s.createTenant({ id: 'ten_a', name: 'a', createdAt: T0 });
      await s.acceptMessages({ tenantId: 'ten_a', messages: [message('ten_a', T0, ['a@x.test', 'b@y.test', 'c@z.test'])], now: T0 });
      const held = await s.claimDue({ owner: 'w1', now: T0, leaseMs: 1000, limit: 3, excludeDomains: [] });
      const of = (domain: string) => held.find((d) => d.domain === domain)!;
      const ref = (domain: string) => ({ deliveryId: of(domain).id, leaseToken: of(domain).leaseToken });
      // x: expires and is claimed by w2; y: finished by w1; z: still w1's, though its lease ran out.
      assert.deepEqual(await s.recordOutcomes([deliveredOutcome(of('y.test'), T0 + 500)]), [true]);
      const [taken] = await s.claimDue({ owner: 'w2', now: T0 + 1000, leaseMs: 1000, limit: 1, excludeDomains: ['z.test'] });
      assert.equal(taken!.id, of('x.test').id);
      const lost = await s.renewLeases('w1', [ref('x.test'), ref('y.test'), ref('z.test')], T0 + 5000);
      assert.deepEqual(lost, [ref('x.test')]);
      assert.equal((await s.claimDue({ owner: 'w3', now: T0 + 4000, leaseMs: 1000, limit: 10, excludeDomains: ['x.test'] })).length, 0, 'the renewed one stays held');
    });

    it('a scheduled message is released once when many workers claim at its time', async (s) => {
      await s.createTenant({ id: 'ten_a', name: 'a', createdAt: T0 });
      const at = T0 + 60_000;
      const msgs = Array.from({ length: 30 }, (_, i) => message('ten_a', T0, [`r${i}@x.test`, `s${i}@y.test`], { sendAt: at }));
      await s.acceptMessages({ tenantId: 'ten_a', messages: msgs, now: T0 });
      const early = await Promise.all([1, 2, 3].map((w) => s.claimDue({ owner: `w${w}`, now: at - 1, leaseMs: 10_000, limit: 100, excludeDomains: [] })));
      assert.equal(early.flat().length, 0, 'nothing before its time');
      const claims = await Promise.all(Array.from({ length: 6 }, (_, w) => s.claimDue({ owner: `w${w}`, now: at + w, leaseMs: 10_000, limit: 25, excludeDomains: [] })));
      const ids = claims.flat().map((d) => d.id);
      assert.equal(ids.length, 60);
      assert.equal(new Set(ids).size, 60, 'no delivery released twice');
      assert.ok(claims.flat().every((d) => !d.possibleDuplicate));
    });
  });
}
