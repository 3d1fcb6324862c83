// A per-process view of each tenant's sending domains, DKIM keys and settings, read by the send
// path (is this sender allowed?) and by the outbound preparer (which key signs, which return
// path) on every message. Entries live `domains.cache_s`; concurrent misses share one read.
// Changes made through this process invalidate at once; other processes see them within cache_s.
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { coveringDomain } from '../domain/domains/sender.js';
import { unseal } from '../lib/seal.js';
import type { DkimKeyRecord, SendingDomain, Store, TenantSettings } from '../store/store.js';

interface Entry<T> {
  readonly value: Promise<T>;
  readonly at: number;
  readonly until: number;
}

const MAX_TENANTS = 10_000;
const MAX_KEYS = 10_000;
// A sender outside the cached domains re-reads them at most this often: a domain added through
// another process (the CLI, another api process) signs at once rather than after cache_s.
const MISS_REFRESH_MS = 1000;

export class DomainDirectory {
  private readonly domains = new Map<string, Entry<readonly SendingDomain[]>>();
  private readonly settings = new Map<string, Entry<TenantSettings>>();
  // Parsed private keys by key id: a key never changes, so these live as long as the process.
  // Parsing a PEM RSA key costs about as much as a signature; doing it per message would double
  // the signing cost.
  private readonly keys = new Map<string, KeyObject>();

  constructor(
    private readonly store: Store,
    private readonly cacheMs: number,
    private readonly now: () => number,
  ) {}

  private cached<T>(map: Map<string, Entry<T>>, key: string, load: () => Promise<T>): Promise<T> {
    const now = this.now();
    const hit = map.get(key);
    if (hit && hit.until > now) return hit.value;
    const value = load();
    // A failed read is not cached: the next message asks again.
    value.catch(() => map.delete(key));
    if (this.cacheMs > 0) {
      map.set(key, { value, at: now, until: now + this.cacheMs });
      if (map.size > MAX_TENANTS) map.delete(map.keys().next().value!);
    }
    return value;
  }

  domainsOf(tenantId: string): Promise<readonly SendingDomain[]> {
    return this.cached(this.domains, tenantId, () => this.store.listDomains(tenantId));
  }

  /**
   * The tenant's claim covering `domain` (itself or a parent): the closest owned one, else the
   * closest pending one (which may not send); a miss re-reads a stale list once.
   */
  async covering(tenantId: string, domain: string): Promise<SendingDomain | undefined> {
    const closest = (list: readonly SendingDomain[]): SendingDomain | undefined => {
      const name = coveringDomain(domain, list.map((d) => d.name));
      return name === undefined ? undefined : list.find((d) => d.name === name);
    };
    const find = (list: readonly SendingDomain[]): SendingDomain | undefined => closest(list.filter((d) => d.ownedAt !== null)) ?? closest(list);
    const hit = find(await this.domainsOf(tenantId));
    const entry = this.domains.get(tenantId);
    if (hit || !entry || this.now() - entry.at < MISS_REFRESH_MS) return hit;
    this.domains.delete(tenantId);
    return find(await this.domainsOf(tenantId));
  }

  settingsOf(tenantId: string): Promise<TenantSettings> {
    return this.cached(this.settings, tenantId, async () => (await this.store.getTenant(tenantId))?.settings ?? {});
  }

  /** The parsed private key of a stored DKIM key, unsealed once per process. */
  privateKey(k: DkimKeyRecord, sealKey: Buffer): KeyObject {
    let key = this.keys.get(k.id);
    if (!key) {
      key = createPrivateKey(unseal(sealKey, k.privateKeySealed, k.id));
      this.keys.set(k.id, key);
      if (this.keys.size > MAX_KEYS) this.keys.delete(this.keys.keys().next().value!);
    }
    return key;
  }

  invalidate(tenantId: string): void {
    this.domains.delete(tenantId);
    this.settings.delete(tenantId);
  }
}
