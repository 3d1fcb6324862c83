// What every conformance suite shares: how an adapter hands over a fresh store, and a test
// that runs on one, migrated, with the tenants `ten_a` and `ten_b` (unless asked for none).
import { test } from 'node:test';
import type { Store } from '../store.js';

export interface StoreFactory {
  open(): Promise<Store>;
}

export type StoreTest = (title: string, fn: (s: Store) => Promise<void>) => Promise<void>;

export async function withStore(f: StoreFactory, fn: (s: Store) => Promise<void>, opts: { tenants?: boolean } = {}): Promise<void> {
  const s = await f.open();
  await s.migrate();
  if (opts.tenants !== false) {
    await s.createTenant({ id: 'ten_a', name: 'a', createdAt: 1_700_000_000_000 });
    await s.createTenant({ id: 'ten_b', name: 'b', createdAt: 1_700_000_000_000 });
  }
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

/** `it(title, fn)` for a suite: each test gets a store of its own. */
export function storeTest(factory: StoreFactory, opts: { tenants?: boolean } = {}): StoreTest {
  return (title, fn) => test(title, () => withStore(factory, fn, opts));
}
