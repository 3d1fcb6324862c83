import { ensureDefaultTenant } from '../bootstrap.js';
import { mintApiKey } from '../ingress/auth.js';
import { SesCredentials } from '../ingress/ses-credentials.js';
import { SCOPES, type Scope, type Store } from '../store/store.js';

export async function createKey(store: Store, opts: { name: string; scopes: string; tenant?: string | undefined }, out: NodeJS.WritableStream): Promise<number> {
  const scopes = opts.scopes.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = scopes.filter((s) => !SCOPES.includes(s as Scope));
  if (bad.length > 0 || scopes.length === 0) {
    out.write(`--scopes: ${bad.length ? `unknown scope ${bad.join(', ')}` : 'at least one scope'}; allowed: ${SCOPES.join(', ')}\n`);
    return 2;
  }
  const now = Date.now();
  const tenantId = opts.tenant ?? (await ensureDefaultTenant(store, now)).tenant.id;
  if (!(await store.getTenant(tenantId))) {
    out.write(`--tenant: no tenant ${tenantId}\n`);
    return 2;
  }
  const { key, record } = mintApiKey(tenantId, opts.name, scopes as Scope[], now);
  await store.createApiKey(record);
  out.write(`${key}\n`);
  return 0;
}

export async function listKeys(store: Store, tenant: string | undefined, out: NodeJS.WritableStream): Promise<number> {
  const tenants = tenant ? [tenant] : (await store.listTenants()).map((t) => t.id);
  for (const t of tenants) {
    for (const k of await store.listApiKeys(t)) {
      out.write(`${k.id}\t${t}\t${k.scopes.join(',')}\t${k.revokedAt ? 'revoked' : 'active'}\t${new Date(k.createdAt).toISOString()}\t${k.name}\n`);
    }
  }
  return 0;
}

export async function revokeKey(store: Store, id: string, out: NodeJS.WritableStream): Promise<number> {
  const k = await store.getApiKey(id);
  if (!k || !(await store.revokeApiKey(k.tenantId, id, Date.now()))) {
    out.write(`no active key ${id}\n`);
    return 1;
  }
  out.write(`revoked ${id}\n`);
  return 0;
}

/** The SES-compatible API's AWS-style credentials of a key, in the AWS CLI's file format. */
export async function sesCredentials(store: Store, id: string, out: NodeJS.WritableStream): Promise<number> {
  const k = await store.getApiKey(id);
  if (!k || k.revokedAt !== null) {
    out.write(`no active key ${id}\n`);
    return 1;
  }
  const c = (await SesCredentials.open(store)).forKey(k.id);
  out.write(`aws_access_key_id = ${c.accessKeyId}\naws_secret_access_key = ${c.secretAccessKey}\n`);
  return 0;
}
