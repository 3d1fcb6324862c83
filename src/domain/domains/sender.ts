// Which of a tenant's domains covers a sender: the domain itself or its closest parent, so a
// tenant that added example.com may send from news.example.com (DKIM d=example.com aligns with
// it under DMARC's relaxed alignment, RFC 7489 §3.1.1).

export function coveringDomain(domain: string, tenantDomains: Iterable<string>): string | undefined {
  const names = new Set([...tenantDomains].map((d) => d.toLowerCase()));
  const labels = domain.toLowerCase().split('.');
  for (let i = 0; i < labels.length - 1; i++) {
    const candidate = labels.slice(i).join('.');
    if (names.has(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The domain of the address in a From header value as written: `"Shop" <shop@Example.com>` or
 * `shop@example.com`. The angle-bracket form wins, so an `@` in a display name never counts.
 */
export function addressDomain(headerValue: string): string | undefined {
  const angle = /<([^<>]*)>\s*(?:,|$)/.exec(headerValue.trim());
  const addr = (angle ? angle[1]! : headerValue).trim();
  const at = addr.lastIndexOf('@');
  if (at <= 0 || at === addr.length - 1) return undefined;
  const domain = addr.slice(at + 1).trim().toLowerCase();
  return /^[a-z0-9.-]+$/.test(domain) ? domain : undefined;
}
