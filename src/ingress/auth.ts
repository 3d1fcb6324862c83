// API keys: `SG.<id>.<secret>` (SendGrid's shape, so SendGrid SDKs take them unchanged).
// Only a SHA-256 of the secret is stored; comparison is constant-time. Shared by every ingress.
import { createHash, timingSafeEqual } from 'node:crypto';
import { TxError } from '../domain/errors.js';
import { newSecret, newShortId } from '../lib/ids.js';
import type { ApiKeyRecord, Scope, Store } from '../store/store.js';

export interface AuthContext {
  readonly tenantId: string;
  readonly keyId: string;
  readonly scopes: readonly Scope[];
}

const KEY_SHAPE = /^SG\.([a-z0-9]{16})\.([A-Za-z0-9_-]{43})$/;

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function mintApiKey(tenantId: string, name: string, scopes: readonly Scope[], now: number): { key: string; record: ApiKeyRecord } {
  const id = newShortId(16);
  const secret = newSecret(32);
  return {
    key: `SG.${id}.${secret}`,
    record: { id, tenantId, name, hash: hashSecret(secret), scopes, createdAt: now, revokedAt: null },
  };
}

/**
 * A short-lived cache of verified keys, so a busy client does not cost a store read per request.
 * A key revoked through this verifier (revoke()) stops working in this process at once; one
 * revoked by another process (`txmail keys revoke`, another api process) stops within the
 * cache's lifetime, KEY_CACHE_MS (README: API keys).
 */
export const KEY_CACHE_MS = 5000;

export class ApiKeyVerifier {
  private readonly cache = new Map<string, { record: ApiKeyRecord; until: number }>();
  constructor(
    private readonly store: Store,
    private readonly ttlMs = KEY_CACHE_MS,
  ) {}

  /** The key's context, or undefined for a malformed, unknown, revoked or wrong key. */
  async verify(key: string, now: number): Promise<AuthContext | undefined> {
    const m = KEY_SHAPE.exec(key.trim());
    if (!m) return undefined;
    const [, id, secret] = m as unknown as [string, string, string];
    const r = await this.record(id, now);
    if (!r || r.revokedAt !== null) return undefined;
    const given = Buffer.from(hashSecret(secret), 'hex');
    const stored = Buffer.from(r.hash, 'hex');
    if (given.length !== stored.length || !timingSafeEqual(given, stored)) return undefined;
    return { tenantId: r.tenantId, keyId: r.id, scopes: r.scopes };
  }

  /**
   * The context of an active key by its id alone, for callers that proved possession another
   * way (a SigV4 signature made with the key's derived secret).
   */
  async byId(id: string, now: number): Promise<AuthContext | undefined> {
    const r = await this.record(id, now);
    if (!r || r.revokedAt !== null) return undefined;
    return { tenantId: r.tenantId, keyId: r.id, scopes: r.scopes };
  }

  private async record(id: string, now: number): Promise<ApiKeyRecord | undefined> {
    let hit = this.cache.get(id);
    if (!hit || hit.until < now) {
      const record = await this.store.getApiKey(id);
      if (!record) return undefined;
      hit = { record, until: now + this.ttlMs };
      this.cache.set(id, hit);
      if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value!);
    }
    return hit.record;
  }

  forget(id: string): void {
    this.cache.delete(id);
  }

  /** Revokes a key of the tenant in the store and forgets it here, so this process refuses it at once. */
  async revoke(tenantId: string, id: string, now: number): Promise<boolean> {
    const done = await this.store.revokeApiKey(tenantId, id, now);
    this.cache.delete(id);
    return done;
  }
}

export function requireScope(auth: AuthContext, scope: Scope): void {
  if (!auth.scopes.includes(scope) && !auth.scopes.includes('admin')) {
    throw new TxError('TX_ERR_FORBIDDEN', `This API key lacks the "${scope}" scope.`);
  }
}
