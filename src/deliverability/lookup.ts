// The DNS lookups of a domain verification, through the configured resolver (dns.servers), as
// values for domain/domains/verify.ts to judge. Lookups run in parallel; none is cached, so a
// record just published is seen as soon as the resolver sees it.
import type { DnsPort } from '../delivery/dns/dns-port.js';
import type { RecordType } from '../domain/domains/records.js';
import { lookupKey, type DnsAnswer } from '../domain/domains/verify.js';

type Negative = { kind: 'nxdomain' } | { kind: 'nodata' } | { kind: 'error'; code: string; message: string };

const negative = (a: Negative): DnsAnswer => (a.kind === 'error' ? { kind: 'error', message: `${a.code}: ${a.message}` } : a);

async function lookup(dns: DnsPort, type: RecordType, name: string): Promise<DnsAnswer> {
  switch (type) {
    case 'TXT': {
      const a = await dns.resolveTxt(name);
      return a.kind === 'txt' ? { kind: 'txt', records: a.records } : negative(a);
    }
    case 'MX': {
      const a = await dns.resolveMx(name);
      return a.kind === 'mx' ? { kind: 'mx', records: a.records } : negative(a);
    }
    case 'CNAME': {
      const a = await dns.resolveCname(name);
      return a.kind === 'cname' ? a : negative(a);
    }
    case 'A': {
      const a = await dns.resolve4(name);
      return a.kind === 'addresses' ? { kind: 'a', addresses: a.addresses.map((x) => x.address) } : negative(a);
    }
  }
}

export async function lookupAll(dns: DnsPort, wanted: ReadonlyArray<{ type: RecordType; name: string }>): Promise<Map<string, DnsAnswer>> {
  const answers = await Promise.all(wanted.map(async (w) => [lookupKey(w.type, w.name), await lookup(dns, w.type, w.name)] as const));
  return new Map(answers);
}
