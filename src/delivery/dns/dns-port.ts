// The DNS lookups delivery needs, as a port: answers and failures are values, never thrown,
// so the resolver above can decide between "bounce", "defer" and "try the next host".
// createNodeDnsPort is the real adapter; tests point it at test/support/dns-server.ts.
import { Resolver } from 'node:dns/promises';
import type { MxAnswer, NegativeAnswer } from '../../domain/routing/plan.js';

export type { MxAnswer, NegativeAnswer };

export interface AddressRecord {
  readonly address: string;
  /** Seconds, as the answering server gave it. */
  readonly ttl: number;
}

export type AddressAnswer = { readonly kind: 'addresses'; readonly addresses: readonly AddressRecord[] } | NegativeAnswer;

/** One inner array per TXT record: its character-strings, to be joined by the caller (RFC 7208 §3.3, RFC 6376 §3.6.2.2). */
export type TxtAnswer = { readonly kind: 'txt'; readonly records: readonly (readonly string[])[] } | NegativeAnswer;

export type CnameAnswer = { readonly kind: 'cname'; readonly target: string } | NegativeAnswer;

export interface DnsPort {
  resolveMx(name: string): Promise<MxAnswer>;
  resolve4(name: string): Promise<AddressAnswer>;
  resolve6(name: string): Promise<AddressAnswer>;
  resolveTxt(name: string): Promise<TxtAnswer>;
  /** The CNAME at the name itself (domain verification of the tracking host). */
  resolveCname(name: string): Promise<CnameAnswer>;
}

export interface NodeDnsOptions {
  /** `ip`, `ip:port`, `[v6]:port` or a bare v6 address; empty uses the system's resolvers. */
  readonly servers: readonly string[];
  readonly timeout_ms: number;
  readonly tries: number;
}

/**
 * The one place resolver errors become values. c-ares reports NXDOMAIN as ENOTFOUND and an
 * empty NOERROR answer as ENODATA; a name it refuses to send (EBADNAME, e.g. "a..b") can
 * never resolve, so it counts as NXDOMAIN. Everything else (SERVFAIL, REFUSED, timeouts,
 * unreachable servers) is temporary.
 */
export function toNegativeAnswer(err: unknown): NegativeAnswer {
  const code = typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : 'EUNKNOWN';
  if (code === 'ENOTFOUND' || code === 'EBADNAME') return { kind: 'nxdomain' };
  if (code === 'ENODATA') return { kind: 'nodata' };
  return { kind: 'error', code, message: err instanceof Error ? err.message : String(err) };
}

/**
 * The adapter over node's c-ares resolver. Its resolveMx and resolveTxt do not report TTLs,
 * so those answers carry none and the cache above applies its default; A and AAAA do.
 * An alias whose target has no such records comes back as an empty list, not ENODATA:
 * it is NODATA all the same.
 */
export function createNodeDnsPort(opts: NodeDnsOptions): DnsPort {
  const resolver = new Resolver({ timeout: opts.timeout_ms, tries: opts.tries });
  // setServers takes every form the config schema allows and throws on anything else, so a
  // bad entry stops the process at start rather than at the first delivery.
  if (opts.servers.length > 0) resolver.setServers([...opts.servers]);

  return {
    async resolveMx(name) {
      try {
        const records = await resolver.resolveMx(name);
        return records.length === 0 ? { kind: 'nodata' } : { kind: 'mx', records };
      } catch (err) {
        return toNegativeAnswer(err);
      }
    },
    async resolve4(name) {
      try {
        const addresses = await resolver.resolve4(name, { ttl: true });
        return addresses.length === 0 ? { kind: 'nodata' } : { kind: 'addresses', addresses };
      } catch (err) {
        return toNegativeAnswer(err);
      }
    },
    async resolve6(name) {
      try {
        const addresses = await resolver.resolve6(name, { ttl: true });
        return addresses.length === 0 ? { kind: 'nodata' } : { kind: 'addresses', addresses };
      } catch (err) {
        return toNegativeAnswer(err);
      }
    },
    async resolveTxt(name) {
      try {
        const records = await resolver.resolveTxt(name);
        return records.length === 0 ? { kind: 'nodata' } : { kind: 'txt', records };
      } catch (err) {
        return toNegativeAnswer(err);
      }
    },
    async resolveCname(name) {
      try {
        const [target] = await resolver.resolveCname(name);
        return target === undefined ? { kind: 'nodata' } : { kind: 'cname', target };
      } catch (err) {
        return toNegativeAnswer(err);
      }
    },
  };
}
