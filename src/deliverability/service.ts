// Sending domains for the API and the CLI: add (keys generated, records answered), verify
// (records looked up and judged; a rotation's keys take over once found), rotate, remove.
// Private keys stay sealed in the store; nothing here returns or logs them.
import type { Config } from '../config/schema.js';
import type { DnsPort } from '../delivery/dns/dns-port.js';
import { parseDomain } from '../domain/address/index.js';
import { keySwitch, pendingKeys, type DkimChoice } from '../domain/domains/keys.js';
import { claimExpiresAt, publicSuffixProblem } from '../domain/domains/ownership.js';
import { expectedRecords, type DnsPlan, type ExpectedRecord } from '../domain/domains/records.js';
import { isVerified, judgeRecord, lookupKey, lookupsFor, type DnsAnswer, type RecordCheck } from '../domain/domains/verify.js';
import { TxError } from '../domain/errors.js';
import type { DomainCheck, SendingDomain, Store } from '../store/store.js';
import { generateDkimKeys } from './keygen.js';
import { lookupAll } from './lookup.js';

export type DomainsConfig = Pick<Config, 'hostname' | 'public_url' | 'domains' | 'bounce'>;

export interface DomainServiceDeps {
  readonly store: Store;
  readonly dns: DnsPort;
  readonly config: DomainsConfig;
  readonly now: () => number;
  readonly sealKey: () => Promise<Buffer>;
  /** Told about every change, so this process's caches drop the tenant at once. */
  readonly onChange?: (tenantId: string) => void;
}

export interface VerifyResult {
  readonly domain: SendingDomain;
  readonly check: DomainCheck;
  /** Signing switched to a rotation's keys during this verification. */
  readonly switched: boolean;
}

/** The host part of public_url: where the tracking CNAME points. */
export function publicHost(publicUrl: string): string {
  return new URL(publicUrl).hostname.replace(/^\[|\]$/g, '');
}

export function dnsPlan(config: DomainsConfig, domain: string): DnsPlan {
  const spf = config.domains.spf.trim();
  return {
    domain,
    bounceLabel: config.domains.bounce_subdomain,
    mxHost: config.bounce.mx_host || config.hostname,
    spfMechanisms: spf === '' ? [`a:${config.hostname}`] : spf.split(/\s+/),
    trackingLabel: config.domains.tracking_subdomain,
    trackingTarget: publicHost(config.public_url),
  };
}

export class DomainService {
  constructor(private readonly deps: DomainServiceDeps) {}

  /** When a pending claim lapses unless verified; null once ownership is proven. */
  claimExpiresAt(d: SendingDomain): number | null {
    return claimExpiresAt(d, this.deps.config.domains.claim_ttl_s * 1000);
  }

  private expired(d: SendingDomain, now: number): boolean {
    const until = this.claimExpiresAt(d);
    return until !== null && until <= now;
  }

  records(d: SendingDomain): ExpectedRecord[] {
    return expectedRecords(dnsPlan(this.deps.config, d.name), d.keys, this.deps.now());
  }

  async add(tenantId: string, input: string, dkim: DkimChoice): Promise<SendingDomain> {
    const parsed = parseDomain(input.trim());
    if ('error' in parsed || parsed.domain.startsWith('[')) {
      throw new TxError('TX_ERR_VALIDATION', `Invalid domain: ${'error' in parsed ? parsed.error : 'an address literal cannot send mail'}`, [
        { path: 'name', message: 'error' in parsed ? parsed.error : 'must be a domain name' },
      ]);
    }
    const name = parsed.domain;
    const suffix = publicSuffixProblem(name);
    if (suffix !== undefined) throw new TxError('TX_ERR_VALIDATION', `Invalid domain: ${suffix}.`, [{ path: 'name', message: suffix }]);
    const now = this.deps.now();
    // The tenant's own lapsed claim makes way for a fresh one (new keys, a new deadline).
    const mine = await this.deps.store.getDomain(tenantId, name);
    if (mine && this.expired(mine, now)) await this.deps.store.deleteDomain(tenantId, name);
    const keys = await generateDkimKeys({ choice: dkim, rsaBits: this.deps.config.domains.dkim_rsa_bits, now, active: true, sealKey: await this.deps.sealKey() });
    const d: SendingDomain = { tenantId, name, createdAt: now, ownedAt: null, dkim, verifiedAt: null, lastCheck: null, keys };
    const r = await this.deps.store.createDomain(d);
    // Both answers are a 409 that names the domain; "taken" does not say by whom.
    if (r === 'exists') throw new TxError('TX_ERR_CONFLICT', `The domain ${name} was already added.`);
    if (r === 'taken') throw takenError(name);
    this.deps.onChange?.(tenantId);
    return d;
  }

  async get(tenantId: string, name: string): Promise<SendingDomain> {
    const d = await this.deps.store.getDomain(tenantId, name.toLowerCase());
    if (!d) throw new TxError('TX_ERR_NOT_FOUND', `No domain ${name}.`);
    return d;
  }

  list(tenantId: string): Promise<SendingDomain[]> {
    return this.deps.store.listDomains(tenantId);
  }

  async remove(tenantId: string, name: string): Promise<void> {
    if (!(await this.deps.store.deleteDomain(tenantId, name.toLowerCase()))) throw new TxError('TX_ERR_NOT_FOUND', `No domain ${name}.`);
    this.deps.onChange?.(tenantId);
  }

  /** Starts a rotation: a new generation of keys, pending until verify finds them published. */
  async rotate(tenantId: string, name: string): Promise<SendingDomain> {
    const d = await this.get(tenantId, name);
    const now = this.deps.now();
    if (pendingKeys(d.keys, now).length > 0) {
      throw new TxError('TX_ERR_ROTATION_PENDING', `A rotation of ${d.name} is already waiting: publish its DKIM records, then verify.`);
    }
    const keys = await generateDkimKeys({ choice: d.dkim, rsaBits: this.deps.config.domains.dkim_rsa_bits, now, active: false, sealKey: await this.deps.sealKey() });
    await this.deps.store.addDkimKeys(tenantId, d.name, keys);
    this.deps.onChange?.(tenantId);
    return this.get(tenantId, d.name);
  }

  async verify(tenantId: string, name: string): Promise<VerifyResult> {
    let d = await this.get(tenantId, name);
    const now = this.deps.now();
    if (this.expired(d, now)) {
      throw new TxError(
        'TX_ERR_DOMAIN_CLAIM_EXPIRED',
        `The claim on ${d.name} lapsed on ${new Date(this.claimExpiresAt(d)!).toISOString()} without verification: add it again for new records.`,
      );
    }
    const answers = await lookupAll(this.deps.dns, lookupsFor(this.records(d)));
    let checks = judge(this.records(d), answers);
    const found = new Set(checks.flatMap((c) => (c.purpose === 'dkim' && c.status === 'ok' && c.keyId ? [c.keyId] : [])));
    const sw = keySwitch(d.keys, found, now, this.deps.config.domains.rotation_grace_s * 1000);
    if (sw) {
      await this.deps.store.switchDkimKeys(tenantId, d.name, sw, now);
      this.deps.onChange?.(tenantId);
      d = await this.get(tenantId, d.name);
      // Same names, new roles: the answers already hold every record the new set names.
      checks = judge(this.records(d), answers);
    }
    const check: DomainCheck = { at: now, verified: isVerified(checks), records: checks };
    const r = await this.deps.store.recordDomainCheck(tenantId, d.name, check);
    if (r === 'missing') throw new TxError('TX_ERR_NOT_FOUND', `No domain ${name}: another tenant proved ownership of it, a parent or a subdomain first.`);
    if (r === 'taken') throw takenError(d.name);
    if (r === 'owned') this.deps.onChange?.(tenantId);
    const ownedAt = r === 'owned' ? now : d.ownedAt;
    return { domain: { ...d, ownedAt, verifiedAt: check.verified ? now : null, lastCheck: check }, check, switched: sw !== undefined };
  }
}

function takenError(name: string): TxError {
  return new TxError('TX_ERR_DOMAIN_TAKEN', `The domain ${name}, a parent or a subdomain of it belongs to another tenant, which proved its ownership.`);
}

function judge(records: readonly ExpectedRecord[], answers: ReadonlyMap<string, DnsAnswer>): RecordCheck[] {
  return records.map((r) => judgeRecord(r, answers.get(lookupKey(r.type, r.name))));
}
