// /v1/domains: sending domains, the DNS records each needs, verification and DKIM rotation.
// Views carry public keys and record values only; private keys never leave the store sealed.
import type { FastifyInstance } from 'fastify';
import { parseDomain } from '../../../domain/address/index.js';
import { keyState } from '../../../domain/domains/keys.js';
import { zoneFileLine, type ExpectedRecord } from '../../../domain/domains/records.js';
import type { RecordCheck } from '../../../domain/domains/verify.js';
import { TxError, validationError, type FieldError } from '../../../domain/errors.js';
import { isAbsent, isRecord, unknownFieldErrors } from '../../../domain/message/validate-shape.js';
import type { DomainService } from '../../../deliverability/service.js';
import type { SendingDomain } from '../../../store/store.js';
import { requireScope } from '../../auth.js';
import type { HttpDeps } from '../deps.js';
import { authOf } from './index.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

function recordView(r: ExpectedRecord | RecordCheck, last: ReadonlyMap<string, RecordCheck>): Record<string, unknown> {
  const check = 'status' in r ? r : last.get(`${r.type} ${r.name} ${r.value}`);
  return {
    purpose: r.purpose,
    type: r.type,
    name: r.name,
    value: r.value,
    ...(r.priority !== undefined ? { priority: r.priority } : {}),
    required: r.required,
    note: r.note,
    zone_file: zoneFileLine(r),
    ...(r.selector !== undefined ? { selector: r.selector } : {}),
    // From the last verification when it judged this exact record; null before any.
    status: check?.status ?? null,
    found: check?.found ?? null,
    ...(check?.problem !== undefined ? { problem: check.problem } : {}),
  };
}

export function domainView(d: SendingDomain, records: readonly (ExpectedRecord | RecordCheck)[], now: number, claimExpiresAt: number | null): Record<string, unknown> {
  const last = new Map((d.lastCheck?.records ?? []).map((c) => [`${c.type} ${c.name} ${c.value}`, c] as const));
  return {
    name: d.name,
    created_at: iso(d.createdAt),
    verified: d.lastCheck?.verified ?? false,
    verified_at: iso(d.verifiedAt),
    // Sending needs a proven claim: a verification found the records this tenant was given.
    owned: d.ownedAt !== null,
    owned_at: iso(d.ownedAt),
    claim_expires_at: iso(claimExpiresAt),
    last_checked_at: iso(d.lastCheck?.at ?? null),
    return_path_domain: records.find((r) => r.purpose === 'return_path')?.name ?? null,
    dkim: {
      algorithm: d.dkim,
      keys: d.keys.map((k) => ({
        selector: k.selector,
        algorithm: k.algorithm,
        state: keyState(k, now),
        created_at: iso(k.createdAt),
        activated_at: iso(k.activatedAt),
        retire_at: iso(k.retireAt),
      })),
    },
    records: records.map((r) => recordView(r, last)),
  };
}

function parseAdd(body: unknown): { name: string; dkim: 'rsa' | 'ed25519' } {
  if (!isRecord(body)) throw new TxError('TX_ERR_BAD_REQUEST', 'The request body must be a JSON object');
  const errors: FieldError[] = unknownFieldErrors(body, ['name', 'dkim_algorithm'], '');
  const name = body['name'];
  if (typeof name !== 'string' || name.trim() === '') errors.push({ path: 'name', message: 'is required: the domain to send from, like example.com' });
  else {
    const parsed = parseDomain(name.trim());
    if ('error' in parsed) errors.push({ path: 'name', message: parsed.error });
    else if (parsed.domain.startsWith('[')) errors.push({ path: 'name', message: 'must be a domain name, not an address literal' });
  }
  const alg = isAbsent(body['dkim_algorithm']) ? 'rsa' : body['dkim_algorithm'];
  if (alg !== 'rsa' && alg !== 'ed25519') errors.push({ path: 'dkim_algorithm', message: 'must be "rsa" (RSA-2048) or "ed25519" (Ed25519 beside RSA: two signatures)' });
  if (errors.length > 0) throw validationError(errors);
  return { name: name as string, dkim: alg as 'rsa' | 'ed25519' };
}

function service(deps: HttpDeps): DomainService {
  if (!deps.domains) throw new TxError('TX_ERR_NOT_FOUND', 'Sending domains are not available in this process.');
  return deps.domains;
}

export async function domainRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  app.post('/domains', async (req, reply) => {
    const auth = authOf(req);
    requireScope(auth, 'admin');
    const { name, dkim } = parseAdd(req.body);
    const s = service(deps);
    const d = await s.add(auth.tenantId, name, dkim);
    req.log.info({ tenant: auth.tenantId, domain: d.name, dkim }, 'sending domain added');
    return reply.status(201).send(domainView(d, s.records(d), deps.now(), s.claimExpiresAt(d)));
  });

  app.get('/domains', async (req) => {
    const auth = authOf(req);
    requireScope(auth, 'read');
    const s = service(deps);
    return { domains: (await s.list(auth.tenantId)).map((d) => domainView(d, s.records(d), deps.now(), s.claimExpiresAt(d))) };
  });

  app.get<{ Params: { name: string } }>('/domains/:name', async (req) => {
    const auth = authOf(req);
    requireScope(auth, 'read');
    const s = service(deps);
    const d = await s.get(auth.tenantId, req.params.name);
    return domainView(d, s.records(d), deps.now(), s.claimExpiresAt(d));
  });

  app.delete<{ Params: { name: string } }>('/domains/:name', async (req, reply) => {
    const auth = authOf(req);
    requireScope(auth, 'admin');
    await service(deps).remove(auth.tenantId, req.params.name);
    return reply.status(204).send();
  });

  // Looks every record up through the configured resolver and judges it; a pending rotation
  // takes over signing once its records are found.
  app.post<{ Params: { name: string } }>('/domains/:name/verify', async (req) => {
    const auth = authOf(req);
    requireScope(auth, 'admin');
    const s = service(deps);
    const r = await s.verify(auth.tenantId, req.params.name);
    if (r.switched) req.log.info({ tenant: auth.tenantId, domain: r.domain.name }, 'DKIM signing switched to the rotated keys');
    return { ...domainView(r.domain, r.check.records, deps.now(), s.claimExpiresAt(r.domain)), dkim_switched: r.switched };
  });

  app.post<{ Params: { name: string } }>('/domains/:name/rotate', async (req) => {
    const auth = authOf(req);
    requireScope(auth, 'admin');
    const s = service(deps);
    const d = await s.rotate(auth.tenantId, req.params.name);
    req.log.info({ tenant: auth.tenantId, domain: d.name }, 'DKIM rotation started');
    return domainView(d, s.records(d), deps.now(), s.claimExpiresAt(d));
  });
}
