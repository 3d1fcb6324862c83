// Who may claim and send from a domain. A tenant's claim on a domain is pending until a
// verification finds the records that tenant was given (its own DKIM keys, so nobody else's
// records prove it) and owned from then on. Rules:
//   - a public suffix (co.uk, github.io: the Public Suffix List, ICANN and private sections)
//     is never a sending domain: below it, names belong to unrelated registrants;
//   - a domain, its parents and its subdomains are owned by at most one tenant, so a parent
//     covers its subdomains only within one tenant;
//   - pending claims block nobody: several tenants may wait on related names, the first to
//     prove ownership keeps its claim and the others' related pending claims are dropped;
//   - a pending claim expires `domains.claim_ttl_s` after it was made.
import { getPublicSuffix } from 'tldts';

/** Why `name` cannot be a sending domain, or undefined. */
export function publicSuffixProblem(name: string): string | undefined {
  const suffix = getPublicSuffix(name, { allowPrivateDomains: true });
  if (suffix === null || suffix === name.toLowerCase()) {
    return `${name} is a public suffix (Public Suffix List): names under it belong to different owners; add your own domain under it`;
  }
  return undefined;
}

/** The name itself and every parent, closest first: news.example.com, example.com, com. */
export function selfAndParents(name: string): string[] {
  const labels = name.toLowerCase().split('.');
  return labels.map((_, i) => labels.slice(i).join('.'));
}

/** One name is the other, or a parent or subdomain of it. */
export function related(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x === y || x.endsWith(`.${y}`) || y.endsWith(`.${x}`);
}

export interface ClaimFacts {
  readonly createdAt: number;
  /** When a verification first proved the tenant controls the domain's DNS; null while pending. */
  readonly ownedAt: number | null;
}

/** When a pending claim lapses; null for an owned one. */
export function claimExpiresAt(c: ClaimFacts, ttlMs: number): number | null {
  return c.ownedAt === null ? c.createdAt + ttlMs : null;
}

/** Owned, or pending and not expired at `now`. */
export function isLiveClaim(c: ClaimFacts, ttlMs: number, now: number): boolean {
  return c.ownedAt !== null || c.createdAt + ttlMs > now;
}
