// The send path refuses a suspended tenant's mail (TX_ERR_TENANT_SUSPENDED, with the reason).
// The tenant's status is cached briefly per process: a suspension made through any process is
// in force everywhere within TTL_MS (its queue is held at once, through the store).
import { TxError } from '../domain/errors.js';
import type { Store } from '../store/store.js';
import type { SendHooks } from './send.js';

const TTL_MS = 2000;

export function tenantStatusHook(store: Store, now: () => number): SendHooks {
  const cache = new Map<string, { suspended: string | undefined; until: number }>();
  return {
    check: async (tenantId) => {
      let hit = cache.get(tenantId);
      if (!hit || hit.until <= now()) {
        const t = await store.getTenant(tenantId);
        const suspended = t?.deletedAt !== undefined ? 'the tenant was deleted' : t?.suspendedAt !== undefined ? t.suspendReason || 'no reason given' : undefined;
        hit = { suspended, until: now() + TTL_MS };
        cache.set(tenantId, hit);
        if (cache.size > 10_000) cache.delete(cache.keys().next().value!);
      }
      if (hit.suspended !== undefined) throw new TxError('TX_ERR_TENANT_SUSPENDED', `This tenant is suspended: ${hit.suspended}.`);
    },
  };
}
