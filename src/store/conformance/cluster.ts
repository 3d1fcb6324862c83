// describeCluster(): what many processes on one store rely on besides claims: a first start that
// exactly one process wins, leases a worker learns it lost, scheduled sends released once.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ApiKeyRecord, Store } from '../store.js';
import { message } from './fixtures.js';
import type { StoreFactory } from './suite.js';

const T0 = 1_700_000_000_000;

async function withStore(f: StoreFactory, fn: (s: Store) => Promise<void>): Promise<void> {
  const s = await f.open();
  await s.migrate();
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

const key = (id: string, tenantId: string): ApiKeyRecord => ({ id, tenantId, name: 'admin', hash: 'ab'.repeat(32), scopes: ['admin'], createdAt: T0, revokedAt: null });

export function describeCluster(name: string, factory: StoreFactory): void {
  const it = (title: string, fn: (s: Store) => Promise<void>): Promise<void> => test(title, () => withStore(factory, fn));

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

    it('renewing reports the leases the worker no longer holds', async (s) => {
      await s.createTenant({ id: 'ten_a', name: 'a', createdAt: T0 });
      await s.acceptMessages({ tenantId: 'ten_a', messages: [message('ten_a', T0, ['a@x.test', 'b@x.test', 'c@x.test'])], now: T0 });
      const held = await s.claimDue({ owner: 'w1', now: T0, leaseMs: 1000, limit: 3, excludeDomains: [] });
      const ref = (i: number) => ({ deliveryId: held[i]!.id, leaseToken: held[i]!.leaseToken });
      // [0] expires and is claimed by w2; [1] is finished; [2] is still w1's, though its lease ran out.
      const [taken] = await s.claimDue({ owner: 'w2', now: T0 + 1000, leaseMs: 1000, limit: 1, excludeDomains: [] });
      assert.equal(taken!.id, held[0]!.id);
      await s.releaseLeases('w2', [{ deliveryId: taken!.id, leaseToken: taken!.leaseToken }], T0 + 5000);
      const lost = await s.renewLeases('w1', [ref(0), ref(1), ref(2)], T0 + 5000);
      assert.deepEqual(lost, [ref(0)]);
      assert.equal((await s.claimDue({ owner: 'w3', now: T0 + 4000, leaseMs: 1000, limit: 10, excludeDomains: [] })).length, 0, 'renewed ones stay held');
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
