// Helpers for deliverability tests: publish what /v1/domains asks for in the test DNS server,
// verify DKIM with mailauth (an independent verifier) against that server, send reports to the
// bounce listener with nodemailer.
import { Resolver } from 'node:dns/promises';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import nodemailer from 'nodemailer';
import type { Store } from '../../src/store/store.js';
import type { Zone, ZoneEntry } from './dns-server.js';

export interface ApiRecord {
  readonly purpose: string;
  readonly type: 'TXT' | 'MX' | 'CNAME' | 'A';
  readonly name: string;
  readonly value: string;
  readonly priority?: number;
  readonly status?: string | null;
  readonly found?: string[] | null;
  readonly problem?: string;
  readonly selector?: string;
}

/** The zone that publishes `records` exactly as the API asked, merged over `base`. */
export function zoneFor(records: readonly ApiRecord[], base: Zone = {}): Zone {
  const z: Record<string, ZoneEntry> = { ...base };
  for (const r of records) {
    const e = z[r.name] ?? {};
    if (r.type === 'TXT') z[r.name] = { ...e, TXT: [...(e.TXT ?? []), [r.value]] };
    if (r.type === 'MX') z[r.name] = { ...e, MX: [...(e.MX ?? []), { exchange: r.value, priority: r.priority ?? 10 }] };
    if (r.type === 'CNAME') z[r.name] = { ...e, CNAME: r.value };
    if (r.type === 'A') z[r.name] = { ...e, A: [...(e.A ?? []), r.value] };
  }
  return z;
}

/** mailauth's verdict per signature (`selector:result`) for a message, keys looked up in the test DNS server. */
export async function dkimVerdicts(raw: Buffer, dnsAddress: string): Promise<string[]> {
  const r = new Resolver({ timeout: 2000, tries: 1 });
  r.setServers([dnsAddress]);
  const res = await dkimVerify(raw, { resolver: (name: string, type: string) => r.resolve(name, type) as Promise<string[][]> });
  return res.results.map((x) => `${x.selector}:${x.status.result}`);
}

/** Sends a raw message to the bounce listener; resolves with the reply or rejects with the SMTP error. */
export async function sendToListener(port: number, opts: { from: string | false; to: string[]; raw: string | Buffer }): Promise<string> {
  const t = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, tls: { rejectUnauthorized: false }, connectionTimeout: 10_000 });
  try {
    const info = await t.sendMail({ envelope: { from: opts.from, to: opts.to }, raw: opts.raw });
    return String(info.response);
  } finally {
    t.close();
  }
}

/**
 * Records a passing verification straight in the store: the tenant's claim on `name` becomes
 * owned, so it may send, for tests about something else than verification (the DNS path is
 * covered in domains.test.ts and tenant-domains.test.ts).
 */
export async function proveOwnership(store: Store, tenantId: string, name: string): Promise<void> {
  const r = await store.recordDomainCheck(tenantId, name, { at: Date.now(), verified: true, records: [] });
  if (r === 'missing' || r === 'taken') throw new Error(`ownership of ${name} not proven: ${r}`);
}
