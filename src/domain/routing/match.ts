// Domain patterns of the transport map (`delivery.routes`) and of per-destination overrides
// (`delivery.destinations`): `example.com` (that name), `*.example.com` (its subdomains, not
// the apex, as in Postfix's transport_maps with parent_domain_matches_subdomains off) and `*`.
// The most specific pattern wins, whatever its position; among equals, the first listed.

export interface DomainPattern {
  readonly match: string;
}

/** Lower-case and without the trailing dot of an absolute name (RFC 1034 §3.1), so equal names compare equal. */
export function normaliseDomain(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}

/**
 * How specifically `pattern` matches `domain`: -1 for no match, 0 for `*`, the suffix length
 * for `*.suffix`, and above every suffix for an exact name. All suffixes matching one domain
 * end at its label boundaries, so a longer suffix is always the more specific one.
 */
export function patternScore(pattern: string, domain: string): number {
  const p = normaliseDomain(pattern);
  if (p === '*') return 0;
  if (p.startsWith('*.')) {
    const suffix = p.slice(1); // ".example.com": the dot keeps "badexample.com" out
    return domain.endsWith(suffix) && domain.length > suffix.length ? suffix.length : -1;
  }
  return p === domain ? Number.MAX_SAFE_INTEGER : -1;
}

/** The most specific item whose `match` covers `domain`; ties go to the earlier item. */
export function matchDomain<T extends DomainPattern>(items: readonly T[], domain: string): T | undefined {
  const d = normaliseDomain(domain);
  let best: T | undefined;
  let bestScore = -1;
  for (const item of items) {
    const score = patternScore(item.match, d);
    if (score > bestScore) {
      best = item;
      bestScore = score;
    }
  }
  return best;
}

// Named instances of the one matcher, so call sites read as what they look up.
export const matchRoute: <R extends DomainPattern>(routes: readonly R[], domain: string) => R | undefined = matchDomain;
export const matchOverride: <O extends DomainPattern>(overrides: readonly O[], domain: string) => O | undefined = matchDomain;
