// Tenants under /v1/tenants: platform scope only (see README "Tenants"). A tenant key gets 403 on
// the list and 404 on any tenant id, so it learns nothing of other tenants.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { TxError, validationError, type FieldError } from '../../../domain/errors.js';
import { newTenantId } from '../../../lib/ids.js';
import { SCOPES, type Scope, type Tenant } from '../../../store/store.js';
import { mintApiKey, type AuthContext } from '../../auth.js';
import { QueueControl } from '../../queue-control.js';
import type { HttpDeps } from '../deps.js';
import { authOf } from './index.js';

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());
const NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/;
const MINTABLE: readonly Scope[] = SCOPES.filter((s) => s !== 'platform');

export const tenantView = (t: Tenant): Record<string, unknown> => ({
  id: t.id,
  name: t.name,
  created_at: iso(t.createdAt),
  status: t.deletedAt !== undefined ? 'deleted' : t.suspendedAt !== undefined ? 'suspended' : 'active',
  suspended_at: iso(t.suspendedAt),
  suspend_reason: t.suspendReason ?? null,
  deleted_at: iso(t.deletedAt),
});

function platformOf(req: FastifyRequest): AuthContext {
  const auth = authOf(req);
  if (!auth.scopes.includes('platform')) throw new TxError('TX_ERR_FORBIDDEN', 'This API key lacks the "platform" scope.');
  return auth;
}

function reasonOf(body: unknown, required: boolean): string | null {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const r = b['reason'];
  if (r === undefined && !required) return null;
  if (typeof r !== 'string' || r.trim() === '' || r.length > 500 || /[\r\n]/.test(r)) {
    throw validationError([{ path: 'reason', message: 'must be one line of 1 to 500 characters' }]);
  }
  return r.trim();
}

export async function tenantRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const control = new QueueControl(deps.store, deps.now);
  const tenant = async (req: FastifyRequest<{ Params: { id: string } }>): Promise<{ auth: AuthContext; t: Tenant }> => {
    const auth = authOf(req);
    const t = auth.scopes.includes('platform') ? await deps.store.getTenant(req.params.id) : undefined;
    if (!t || t.deletedAt !== undefined) throw new TxError('TX_ERR_NOT_FOUND', `No tenant ${req.params.id}.`);
    return { auth, t };
  };

  app.get<{ Querystring: { deleted?: string } }>('/tenants', async (req) => {
    platformOf(req);
    const all = await deps.store.listTenants();
    return { tenants: all.filter((t) => req.query.deleted === 'true' || t.deletedAt === undefined).map(tenantView) };
  });

  app.post('/tenants', async (req, reply) => {
    const auth = platformOf(req);
    const b = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<string, unknown>;
    const errors: FieldError[] = [];
    for (const k of Object.keys(b)) if (k !== 'name') errors.push({ path: k, message: 'unknown field' });
    if (typeof b['name'] !== 'string' || !NAME.test(b['name'])) errors.push({ path: 'name', message: 'must be 1 to 64 letters, digits, spaces, dots, dashes or underscores' });
    if (errors.length > 0) throw validationError(errors);
    const name = b['name'] as string;
    if ((await deps.store.listTenants()).some((t) => t.name === name)) throw new TxError('TX_ERR_CONFLICT', `A tenant named "${name}" exists.`);
    const now = deps.now();
    const t: Tenant = { id: newTenantId(now), name, createdAt: now };
    await deps.store.createTenant(t);
    await control.audit(auth, 'tenant.create', t.id, { tenant: t.id, name });
    return reply.status(201).send(tenantView(t));
  });

  app.get<{ Params: { id: string } }>('/tenants/:id', async (req) => tenantView((await tenant(req)).t));

  app.post<{ Params: { id: string } }>('/tenants/:id/keys', async (req, reply) => {
    const { auth, t } = await tenant(req);
    const b = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<string, unknown>;
    const errors: FieldError[] = [];
    if (typeof b['name'] !== 'string' || b['name'].trim() === '' || b['name'].length > 100) errors.push({ path: 'name', message: 'must be 1 to 100 characters' });
    const scopes = b['scopes'];
    if (!Array.isArray(scopes) || scopes.length === 0 || !scopes.every((s) => (MINTABLE as readonly unknown[]).includes(s))) {
      errors.push({ path: 'scopes', message: `must be a non-empty array of ${MINTABLE.join(', ')} (platform keys are made with the CLI, offline)` });
    }
    if (errors.length > 0) throw validationError(errors);
    const { key, record } = mintApiKey(t.id, (b['name'] as string).trim(), scopes as Scope[], deps.now());
    await deps.store.createApiKey(record);
    await control.audit(auth, 'key.create', t.id, { tenant: t.id, key: record.id, scopes: record.scopes });
    return reply.status(201).send({ id: record.id, tenant: t.id, name: record.name, scopes: record.scopes, key });
  });

  app.post<{ Params: { id: string } }>('/tenants/:id/suspend', async (req) => {
    const { auth, t } = await tenant(req);
    const reason = reasonOf(req.body, true)!;
    if (t.id === auth.tenantId) throw new TxError('TX_ERR_CONFLICT', 'A platform key cannot suspend its own tenant.');
    if (t.suspendedAt !== undefined) return { ...tenantView(t), held: 0 };
    const now = deps.now();
    const updated = await deps.store.setTenantStatus(t.id, { suspendedAt: now, suspendReason: reason });
    await control.audit(auth, 'tenant.suspend', t.id, { tenant: t.id }, reason);
    // Its queue is held (not dropped) by a standing tenant hold, released on resume.
    const held = await control.act(auth, 'hold', { tenant: t.id, reason: `tenant suspended: ${reason}` });
    return { ...tenantView(updated ?? t), held: held.touched };
  });

  app.post<{ Params: { id: string } }>('/tenants/:id/resume', async (req) => {
    const { auth, t } = await tenant(req);
    const updated = await deps.store.setTenantStatus(t.id, { suspendedAt: null, suspendReason: null });
    await control.audit(auth, 'tenant.resume', t.id, { tenant: t.id });
    const released = await control.act(auth, 'release', { tenant: t.id });
    return { ...tenantView(updated ?? t), released: released.touched };
  });

  app.delete<{ Params: { id: string } }>('/tenants/:id', async (req) => {
    const { auth, t } = await tenant(req);
    if (t.id === auth.tenantId) throw new TxError('TX_ERR_CONFLICT', 'A platform key cannot delete its own tenant.');
    const now = deps.now();
    // Refuse new mail first, then end what is queued, release its holds and revoke its keys.
    await deps.store.setTenantStatus(t.id, { deletedAt: now });
    await control.audit(auth, 'tenant.delete', t.id, { tenant: t.id });
    await control.act(auth, 'release', { tenant: t.id });
    let dropped = 0;
    for (;;) {
      const r = await control.act(auth, 'delete', { tenant: t.id, reason: 'tenant deleted' });
      dropped += r.touched;
      if (!r.more) break;
    }
    for (const k of await deps.store.listApiKeys(t.id)) {
      if (k.revokedAt === null) {
        await deps.store.revokeApiKey(t.id, k.id, now);
        deps.keys.forget(k.id);
      }
    }
    for (const d of await deps.store.listDomains(t.id)) await deps.store.deleteDomain(t.id, d.name);
    return { id: t.id, status: 'deleted', dropped };
  });
}
