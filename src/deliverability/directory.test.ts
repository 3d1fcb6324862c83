// The per-process cache of tenant domains: hits within cache_s, a re-read on a miss at most once
// a second (a domain added elsewhere signs at once), nothing cached for cache_s 0.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SendingDomain, Store } from '../store/store.js';
import { DomainDirectory } from './directory.js';

function fakeStore(names: string[]): { store: Store; reads: () => number } {
  let reads = 0;
  const store = {
    listDomains: async (tenantId: string): Promise<SendingDomain[]> => {
      reads++;
      return names.map((name) => ({ tenantId, name, createdAt: 0, ownedAt: 0, dkim: 'rsa', verifiedAt: null, lastCheck: null, keys: [] }));
    },
  } as unknown as Store; // Only listDomains is used by these calls.
  return { store, reads: () => reads };
}

test('covering: cached hits, one re-read per second on a miss, subdomains covered', async () => {
  const names = ['acme.test'];
  const { store, reads } = fakeStore(names);
  let now = 1_000_000;
  const dir = new DomainDirectory(store, 10_000, () => now);
  assert.equal((await dir.covering('t', 'news.acme.test'))?.name, 'acme.test');
  assert.equal((await dir.covering('t', 'acme.test'))?.name, 'acme.test');
  assert.equal(reads(), 1);
  assert.equal(await dir.covering('t', 'new.test'), undefined);
  assert.equal(reads(), 1, 'a miss right after a read does not read again');
  names.push('new.test');
  now += 1500;
  assert.equal((await dir.covering('t', 'new.test'))?.name, 'new.test', 'added elsewhere: found on the re-read');
  assert.equal(reads(), 2);
  dir.invalidate('t');
  await dir.covering('t', 'acme.test');
  assert.equal(reads(), 3);
  const uncached = new DomainDirectory(store, 0, () => now);
  await uncached.covering('t', 'acme.test');
  await uncached.covering('t', 'acme.test');
  assert.equal(reads(), 5);
});
