// describeDomainOwnership(): who may hold which sending domain (issue 15). Pending claims of
// several tenants coexist; the first proof of ownership wins and drops the others' related
// pending claims; an owner blocks the name, its parents and its subdomains for everyone else;
// and all of it holds when two tenants race (many concurrent attempts, both adapters).
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { related } from '../../domain/domains/ownership.js';
import type { DomainCheck, SendingDomain, Store } from '../store.js';
import { storeTest, type StoreFactory } from './harness.js';

const T0 = 1_700_000_000_000;

const claim = (tenantId: string, name: string): SendingDomain => ({
  tenantId,
  name,
  createdAt: T0,
  ownedAt: null,
  dkim: 'rsa',
  verifiedAt: null,
  lastCheck: null,
  keys: [
    {
      id: `k-${tenantId}-${name}`,
      // The same selector for both tenants: keys belong to a tenant's claim, not to the name.
      selector: 'sel1',
      algorithm: 'rsa-sha256',
      publicKey: `pub-${tenantId}`,
      privateKeySealed: `sealed-${tenantId}`,
      createdAt: T0,
      activatedAt: T0,
      deactivatedAt: null,
      retireAt: null,
    },
  ],
});

const proof = (at = T0 + 100): DomainCheck => ({ at, verified: true, records: [] });

/** Every owned claim: no other tenant holds a related claim, owned or pending. */
async function assertExclusive(s: Store, names: readonly string[]): Promise<void> {
  const claims = await s.domainClaims(names);
  for (const o of claims.filter((c) => c.ownedAt !== null)) {
    const clash = claims.filter((c) => c.tenantId !== o.tenantId && related(c.name, o.name));
    assert.deepEqual(clash, [], `${o.tenantId} owns ${o.name}, yet another tenant holds a related claim`);
  }
}

export function describeDomainOwnership(name: string, factory: StoreFactory): void {
  const it = storeTest(factory);

  describe(`Store conformance, domain ownership: ${name}`, () => {
    it('pending claims of two tenants coexist; each keeps its own keys', async (s) => {
      assert.equal(await s.createDomain(claim('ten_a', 'acme.test')), 'created');
      assert.equal(await s.createDomain(claim('ten_b', 'acme.test')), 'created', 'a pending claim blocks nobody (no squatting)');
      assert.equal(await s.createDomain(claim('ten_b', 'mail.acme.test')), 'created');
      assert.deepEqual((await s.getDomain('ten_a', 'acme.test'))!.keys.map((k) => k.publicKey), ['pub-ten_a']);
      assert.deepEqual((await s.getDomain('ten_b', 'acme.test'))!.keys.map((k) => k.publicKey), ['pub-ten_b']);
      const claims = await s.domainClaims(['acme.test', 'mail.acme.test', 'none.test']);
      assert.deepEqual(claims.map((c) => `${c.tenantId} ${c.name} ${c.ownedAt}`).sort(), ['ten_a acme.test null', 'ten_b acme.test null', 'ten_b mail.acme.test null']);
    });

    it('the first proof wins: the other tenant’s related pending claims and keys are dropped', async (s) => {
      await s.createDomain(claim('ten_a', 'news.shared.test'));
      await s.createDomain(claim('ten_b', 'shared.test'));
      await s.createDomain(claim('ten_b', 'other.test'));
      assert.equal(await s.recordDomainCheck('ten_a', 'news.shared.test', proof()), 'owned');
      assert.equal((await s.getDomain('ten_a', 'news.shared.test'))!.ownedAt, T0 + 100);
      assert.equal(await s.getDomain('ten_b', 'shared.test'), undefined, 'the parent claim yielded');
      assert.ok(await s.getDomain('ten_b', 'other.test'), 'unrelated claims stay');
      assert.equal(await s.recordDomainCheck('ten_b', 'shared.test', proof()), 'missing');
      // The winner owns a subdomain, so the parent cannot be claimed again by the other tenant.
      assert.equal(await s.createDomain(claim('ten_b', 'shared.test')), 'taken');
    });

    it('an owner blocks the name, every parent and every subdomain for other tenants, not for itself', async (s) => {
      await s.createDomain(claim('ten_a', 'hostile-a.test'));
      assert.equal(await s.recordDomainCheck('ten_a', 'hostile-a.test', proof()), 'owned');
      for (const n of ['hostile-a.test', 'mail.hostile-a.test', 'a.b.hostile-a.test']) assert.equal(await s.createDomain(claim('ten_b', n)), 'taken', n);
      // Names that only share a suffix are not related.
      assert.equal(await s.createDomain(claim('ten_b', 'xhostile-a.test')), 'created');
      assert.equal(await s.createDomain(claim('ten_a', 'mail.hostile-a.test')), 'created', 'the owner may add its own subdomains');
      await s.createDomain(claim('ten_a', 'news.parent.test'));
      await s.recordDomainCheck('ten_a', 'news.parent.test', proof());
      assert.equal(await s.createDomain(claim('ten_b', 'parent.test')), 'taken', 'a parent of an owned name');
      assert.equal(await s.createDomain(claim('ten_b', 'other.parent.test')), 'created', 'a sibling is not related');
      // After the owner removes it, the name is free again.
      assert.equal(await s.deleteDomain('ten_a', 'hostile-a.test'), true);
      assert.equal(await s.deleteDomain('ten_a', 'mail.hostile-a.test'), true);
      assert.equal(await s.createDomain(claim('ten_b', 'mail.hostile-a.test')), 'created');
    });

    it('racing tenants: many concurrent proofs and claims on related names leave one owner per family', async (s) => {
      const N = 12;
      const names: string[] = [];
      for (let i = 0; i < N; i++) {
        names.push(`r${i}.test`, `x.r${i}.test`, `p${i}.test`, `c.p${i}.test`);
        await s.createDomain(claim('ten_a', `r${i}.test`));
        await s.createDomain(claim('ten_b', `x.r${i}.test`));
        await s.createDomain(claim('ten_a', `c.p${i}.test`));
      }
      const results = await Promise.all(
        Array.from({ length: N }, (_, i) => [
          // Both tenants prove related names at once: exactly one may own.
          s.recordDomainCheck('ten_a', `r${i}.test`, proof()),
          s.recordDomainCheck('ten_b', `x.r${i}.test`, proof()),
          // One tenant claims a parent while the other proves the subdomain.
          s.createDomain(claim('ten_b', `p${i}.test`)),
          s.recordDomainCheck('ten_a', `c.p${i}.test`, proof()),
        ]).flat(),
      );
      for (let i = 0; i < N; i++) {
        const [a, b, , c] = results.slice(i * 4, i * 4 + 4);
        assert.deepEqual([a, b].sort(), ['missing', 'owned'], `family r${i}: ${a} ${b}`);
        assert.equal(c, 'owned');
      }
      await assertExclusive(s, names);
    });
  });
}
