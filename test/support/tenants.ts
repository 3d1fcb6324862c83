// A second (third...) tenant beside the harness's default one, created through the store (the
// tenant API comes with a later issue), with an API key and helpers that speak as it.
import { mintApiKey } from '../../src/ingress/auth.js';
import type { Harness } from './harness.js';

export interface TestTenant {
  readonly id: string;
  readonly key: string;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }>;
}

export async function addTenant(tx: Harness, id: string): Promise<TestTenant> {
  const now = Date.now();
  await tx.app.store.createTenant({ id, name: id, createdAt: now });
  const { key, record } = mintApiKey(id, `${id} admin`, ['admin', 'send', 'read'], now);
  await tx.app.store.createApiKey(record);
  return {
    id,
    key,
    call: (method, path, body, headers = {}) => tx.call(method, path, body, { authorization: `Bearer ${key}`, ...headers }),
  };
}

/** The harness's own tenant as a TestTenant. */
export function defaultTenant(tx: Harness): TestTenant {
  return { id: tx.tenantId, key: tx.key, call: (method, path, body, headers = {}) => tx.call(method, path, body, headers) };
}
