// From a recipient domain to the ordered list of addresses to connect to:
//
//   route (delivery.routes) ─► its host's addresses, unfiltered
//   else MX ─► planFromMx ─► A + AAAA of each host, in parallel ─► egress filter ─► targets
//
// Answers are cached per name and type until their TTL (capped by dns.max_cache_ttl_s) runs
// out, and concurrent lookups of one name share a single query. Node's resolveMx reports no
// TTL, so MX answers live `defaultMxTtlS` (300 s); A/AAAA use their own TTLs. Failures are values: a
// RoutingFailure the caller hands to transition() as an `unroutable` attempt.
import { isIP } from 'node:net';
import type { Config } from '../../config/schema.js';
import { verifiesCertificate, type Route, type TlsMode } from '../../config/routes.js';
import { checkEgress } from '../../domain/routing/egress.js';
import { matchRoute, normaliseDomain } from '../../domain/routing/match.js';
import { planFromMx, type RoutingFailure } from '../../domain/routing/plan.js';
import type { TlsVerification } from '../../domain/smtp/tls.js';
import { createNodeDnsPort, type AddressAnswer, type DnsPort, type MxAnswer } from './dns-port.js';
import { TtlLru } from './ttl-cache.js';

export interface Target {
  /** The MX (or route) host name; the name TLS certificates are checked against. */
  readonly host: string;
  readonly ip: string;
  readonly port: number;
  readonly tls: TlsMode;
  /** Only for routes that relay through an authenticating smarthost. */
  readonly auth?: NonNullable<Route['auth']>;
  /**
   * Set when the certificate must verify (routes with tls required or implicit). MX targets
   * go without: opportunistic TLS cannot authenticate a name from unsigned DNS (RFC 7435).
   */
  readonly verify?: TlsVerification;
}

export interface RefusedAddress {
  readonly host: string;
  readonly ip: string;
  readonly why: string;
}

export type ResolvedPlan =
  | {
      readonly kind: 'targets';
      readonly via: 'route' | 'mx' | 'implicit';
      /** In the order to try: MX preference, then IPv4 before IPv6 (or the reverse), DNS order within. */
      readonly targets: readonly Target[];
      /** Addresses the egress filter dropped, for the log. */
      readonly refused: readonly RefusedAddress[];
    }
  | RoutingFailure;

export interface MxResolverOptions {
  readonly dns: DnsPort;
  readonly routes?: readonly Route[];
  /** Port of MX hosts (config `delivery.port`). Default 25. */
  readonly port?: number;
  /** STARTTLS policy towards MX hosts (config `delivery.tls`). Default opportunistic. */
  readonly tls?: TlsMode;
  /** Config `delivery.allow_private_targets`. Default false. */
  readonly allowPrivate?: boolean;
  /** Config `dns.max_cache_ttl_s`; 0 disables caching. Default 3600. */
  readonly maxCacheTtlS?: number;
  /** TTL assumed for MX answers, whose real TTL node's resolver does not report. Default 300. */
  readonly defaultMxTtlS?: number;
  /** How long NXDOMAIN and NODATA are remembered (RFC 2308 §5 lets us choose). Default 60. */
  readonly negativeTtlS?: number;
  /** Bound of each cache (MX answers; address answers). Default 10000. */
  readonly maxCacheEntries?: number;
  /** Most MX hosts looked at, like Postfix's smtp_mx_address_limit. Default 10. */
  readonly maxMxHosts?: number;
  readonly addressOrder?: 'ipv4-first' | 'ipv6-first';
  /** Shuffles MX hosts of equal preference. Default Math.random. */
  readonly random?: () => number;
}

/** One name's A and AAAA lookups, summed up. */
interface HostAddresses {
  readonly host: string;
  readonly addresses: readonly string[];
  /** found: has addresses; absent: NXDOMAIN or NODATA for both types; temporary: otherwise. */
  readonly status: 'found' | 'absent' | 'temporary';
  readonly detail: string;
}

/** A cache in front of one kind of lookup; concurrent misses for one key share one query. */
class CachedLookup<A> {
  private readonly _cache: TtlLru<A>;
  private readonly _inflight = new Map<string, Promise<A>>();

  constructor(
    maxEntries: number,
    private readonly _ttlS: (answer: A) => number,
  ) {
    this._cache = new TtlLru<A>(maxEntries);
  }

  get(key: string, now: number, query: () => Promise<A>): Promise<A> {
    const hit = this._cache.get(key, now);
    if (hit !== undefined) return Promise.resolve(hit);
    const pending = this._inflight.get(key);
    if (pending !== undefined) return pending;
    const p = query()
      .then((answer) => {
        this._cache.set(key, answer, now + this._ttlS(answer) * 1000, now);
        return answer;
      })
      .finally(() => this._inflight.delete(key));
    this._inflight.set(key, p);
    return p;
  }
}

export class MxResolver {
  private readonly _dns: DnsPort;
  private readonly _routes: readonly Route[];
  private readonly _port: number;
  private readonly _tls: TlsMode;
  private readonly _allowPrivate: boolean;
  private readonly _maxMxHosts: number;
  private readonly _ipv6First: boolean;
  private readonly _random: () => number;
  private readonly _mx: CachedLookup<MxAnswer>;
  private readonly _addr: CachedLookup<AddressAnswer>;

  constructor(opts: MxResolverOptions) {
    this._dns = opts.dns;
    this._routes = opts.routes ?? [];
    this._port = opts.port ?? 25;
    this._tls = opts.tls ?? 'opportunistic';
    this._allowPrivate = opts.allowPrivate ?? false;
    this._maxMxHosts = opts.maxMxHosts ?? 10;
    this._ipv6First = opts.addressOrder === 'ipv6-first';
    this._random = opts.random ?? Math.random;
    const maxTtl = opts.maxCacheTtlS ?? 3600;
    const mxTtl = opts.defaultMxTtlS ?? 300;
    const negTtl = opts.negativeTtlS ?? 60;
    const maxEntries = opts.maxCacheEntries ?? 10_000;
    // Errors are not cached: RFC 2308 §7 caps that at five minutes, and the queue's retry
    // delay already spaces out the next attempt.
    const cap = (s: number): number => Math.max(0, Math.min(s, maxTtl));
    const negative = (kind: 'nxdomain' | 'nodata' | 'error'): number => (kind === 'error' ? 0 : cap(negTtl));
    this._mx = new CachedLookup<MxAnswer>(maxEntries, (a) => (a.kind === 'mx' ? cap(a.ttl ?? mxTtl) : negative(a.kind)));
    // An address set lives as long as its shortest-lived record.
    const addrTtl = (a: AddressAnswer): number => {
      if (a.kind !== 'addresses') return negative(a.kind);
      return a.addresses.length === 0 ? cap(negTtl) : cap(Math.min(...a.addresses.map((r) => r.ttl)));
    };
    this._addr = new CachedLookup<AddressAnswer>(maxEntries, addrTtl);
  }

  /** Where to deliver mail for `domain`, as of `now` (epoch ms; decides what the cache still holds). */
  async resolve(domain: string, now: number): Promise<ResolvedPlan> {
    const d = normaliseDomain(domain);
    const route = matchRoute(this._routes, d);
    if (route !== undefined) return this._viaRoute(d, route, now);

    const plan = planFromMx(d, await this._mx.get(d, now, () => this._dns.resolveMx(d)), this._random);
    if (plan.kind === 'fail') return plan;
    const hosts = plan.hosts.slice(0, this._maxMxHosts);
    const found = await Promise.all(hosts.map((h) => this._addressesOf(h.name, now)));
    return this._filter(d, plan.implicit, found);
  }

  // Routes are operator configuration, so their hosts skip the egress filter: relaying to a
  // smarthost on the private network is their usual purpose. A route whose host does not
  // resolve is a configuration mistake the operator can fix, so it defers, never bounces.
  private async _viaRoute(domain: string, route: Route, now: number): Promise<ResolvedPlan> {
    const literal = route.host.replace(/^\[(.*)\]$/, '$1');
    const verify = routeVerification(route, literal);
    const target = (ip: string): Target => ({
      host: route.host,
      ip,
      port: route.port,
      tls: route.tls,
      ...(route.auth ? { auth: route.auth } : {}),
      ...(verify ? { verify } : {}),
    });
    if (isIP(literal) !== 0) return { kind: 'targets', via: 'route', targets: [target(literal)], refused: [] };
    const found = await this._addressesOf(normaliseDomain(route.host), now);
    if (found.status === 'found') return { kind: 'targets', via: 'route', targets: found.addresses.map(target), refused: [] };
    const text = `${domain}: route host ${route.host} (match ${route.match}) has no address: ${found.detail}`;
    return { kind: 'fail', permanent: false, reason: 'dns_failure', text };
  }

  private async _addressesOf(host: string, now: number): Promise<HostAddresses> {
    const [a, aaaa] = await Promise.all([
      this._addr.get(`A ${host}`, now, () => this._dns.resolve4(host)),
      this._addr.get(`AAAA ${host}`, now, () => this._dns.resolve6(host)),
    ]);
    const list = (x: AddressAnswer): string[] => (x.kind === 'addresses' ? x.addresses.map((r) => r.address) : []);
    const addresses = this._ipv6First ? [...list(aaaa), ...list(a)] : [...list(a), ...list(aaaa)];
    if (addresses.length > 0) return { host, addresses, status: 'found', detail: '' };
    if (a.kind === 'error' || aaaa.kind === 'error') {
      const err = (t: string, x: AddressAnswer): string => (x.kind === 'error' ? `${t} ${x.code}` : `${t} ${x.kind}`);
      return { host, addresses, status: 'temporary', detail: `${err('A', a)}, ${err('AAAA', aaaa)}` };
    }
    // NXDOMAIN, or a name that exists with neither A nor AAAA: both are authoritative, and
    // Postfix too bounces mail whose every MX host is in one of these states.
    const detail = a.kind === 'nxdomain' || aaaa.kind === 'nxdomain' ? 'NXDOMAIN' : 'no A or AAAA records';
    return { host, addresses, status: 'absent', detail };
  }

  private _filter(domain: string, implicit: boolean, found: readonly HostAddresses[]): ResolvedPlan {
    const targets: Target[] = [];
    const refused: RefusedAddress[] = [];
    const seen = new Set<string>();
    for (const h of found) {
      for (const ip of h.addresses) {
        if (seen.has(ip)) continue; // two MX names for one address: try it once
        seen.add(ip);
        const v = checkEgress(ip, this._allowPrivate);
        if (v.ok) targets.push({ host: h.host, ip, port: this._port, tls: this._tls });
        else refused.push({ host: h.host, ip, why: v.why });
      }
    }
    if (targets.length > 0) return { kind: 'targets', via: implicit ? 'implicit' : 'mx', targets, refused };

    const describe = (hs: readonly HostAddresses[]): string => hs.map((h) => `${h.host} (${h.detail})`).join(', ');
    const temporary = found.filter((h) => h.status === 'temporary');
    // A host we could not look up might have had a usable address: wait rather than bounce.
    if (temporary.length > 0) {
      return { kind: 'fail', permanent: false, reason: 'dns_failure', text: `${domain}: address lookup failed for ${describe(temporary)}` };
    }
    if (refused.length > 0) {
      const why = refused.map((r) => `${r.why} (${r.host})`).join('; ');
      return { kind: 'fail', permanent: true, reason: 'egress_refused', text: `${domain}: no permitted address: ${why}` };
    }
    const text = implicit
      ? `${domain} has no MX records and no address (implicit MX, RFC 5321 §5.1): ${describe(found)}`
      : `${domain}: no MX host has an address: ${describe(found)}`;
    return { kind: 'fail', permanent: true, reason: 'host_unknown', text };
  }
}

/** What a route's certificate must satisfy: its `tls_name`, else its host, under its CA file or the system roots. */
function routeVerification(route: Route, host: string): TlsVerification | undefined {
  if (!verifiesCertificate(route.tls)) return undefined;
  const name = route.tlsName ?? host.replace(/\.$/, '').toLowerCase();
  return route.tlsCa ? { name, ca: route.tlsCa.pem, by: 'route_ca_file' } : { name, by: 'route_system_ca' };
}

/** An MxResolver wired from the validated config; `dns` defaults to node's resolver. */
export function mxResolverFromConfig(config: Pick<Config, 'dns' | 'delivery'>, dns: DnsPort = createNodeDnsPort(config.dns)): MxResolver {
  return new MxResolver({
    dns,
    routes: config.delivery.routes,
    port: config.delivery.port,
    tls: config.delivery.tls,
    allowPrivate: config.delivery.allow_private_targets,
    maxCacheTtlS: config.dns.max_cache_ttl_s,
  });
}
