// From the answer to a recipient domain's MX query to the ordered list of host names to try
// (RFC 5321 §5.1). Pure: the DNS answer and the source of randomness are passed in.
import type { BounceReason } from '../bounce/classify.js';
import { normaliseDomain } from './match.js';

export interface MxRecord {
  readonly exchange: string;
  readonly priority: number;
}

/** A lookup that found nothing, or failed; every resolver error is turned into one of these. */
export type NegativeAnswer =
  /** The name does not exist (RCODE 3, RFC 1035 §4.1.1; RFC 8020). */
  | { readonly kind: 'nxdomain' }
  /** The name exists but has no records of the asked type (RFC 2308 §2.2). */
  | { readonly kind: 'nodata' }
  /** SERVFAIL, REFUSED, timeout, network trouble: nothing is known, ask again later. */
  | { readonly kind: 'error'; readonly code: string; readonly message: string };

export type MxAnswer =
  | {
      readonly kind: 'mx';
      readonly records: readonly MxRecord[];
      /** Seconds; absent when the resolver does not report it. */
      readonly ttl?: number;
    }
  | NegativeAnswer;

export type RoutingFailureReason = Extract<BounceReason, 'host_unknown' | 'dns_failure' | 'egress_refused'>;

/** No delivery attempt is possible; `permanent` bounces, otherwise the delivery is deferred. */
export interface RoutingFailure {
  readonly kind: 'fail';
  readonly permanent: boolean;
  readonly reason: RoutingFailureReason;
  readonly text: string;
}

export interface PlannedHost {
  readonly name: string;
  readonly preference: number;
}

export type DeliveryPlan =
  | {
      readonly kind: 'hosts';
      /** In the order to try them: by preference, equal preferences shuffled. */
      readonly hosts: readonly PlannedHost[];
      /** No MX records: the domain itself is the mail host (RFC 5321 §5.1). */
      readonly implicit: boolean;
    }
  | RoutingFailure;

/** A record pointing at the root: "." on the wire, "" as node's resolver reports it. */
const isRoot = (exchange: string): boolean => normaliseDomain(exchange) === '';

/**
 * Turns an MX answer for `domain` into the hosts to try.
 * `random` returns a number in [0, 1), like Math.random; tests pass a seeded one.
 */
export function planFromMx(domain: string, answer: MxAnswer, random: () => number): DeliveryPlan {
  const d = normaliseDomain(domain);
  switch (answer.kind) {
    case 'nxdomain':
      return { kind: 'fail', permanent: true, reason: 'host_unknown', text: `${d}: domain does not exist (NXDOMAIN)` };
    case 'error':
      return { kind: 'fail', permanent: false, reason: 'dns_failure', text: `${d}: MX lookup failed (${answer.code}): ${answer.message}` };
    case 'nodata':
      return implicitMx(d);
    case 'mx':
      break;
  }
  if (answer.records.length === 0) return implicitMx(d);

  // RFC 7505 §3: a null MX is a single record with preference 0 and exchange ".". We accept
  // any preference and several root records too: "." can never be delivered to, so the
  // domain's intent is the same; mixed with real hosts, the root records are just skipped.
  const real = answer.records.filter((r) => !isRoot(r.exchange));
  if (real.length === 0) {
    return { kind: 'fail', permanent: true, reason: 'host_unknown', text: `${d} does not accept mail: null MX (RFC 7505)` };
  }

  // The same host listed twice keeps its most preferred (lowest) value.
  const byName = new Map<string, number>();
  for (const r of real) {
    const name = normaliseDomain(r.exchange);
    const prev = byName.get(name);
    if (prev === undefined || r.priority < prev) byName.set(name, r.priority);
  }
  const hosts = [...byName].map(([name, preference]) => ({ name, preference }));
  return { kind: 'hosts', hosts: orderByPreference(hosts, random), implicit: false };
}

function implicitMx(domain: string): DeliveryPlan {
  // RFC 5321 §5.1: with no MX records the domain is treated as having an implicit MX of
  // preference 0 pointing at itself; whether it has an address is decided later.
  return { kind: 'hosts', hosts: [{ name: domain, preference: 0 }], implicit: true };
}

/**
 * Sorted by ascending preference; hosts of equal preference in random order, which RFC 5321
 * §5.1 asks of senders to spread load across them.
 */
export function orderByPreference(hosts: readonly PlannedHost[], random: () => number): PlannedHost[] {
  const shuffled = [...hosts];
  // Fisher-Yates, then a stable sort: the shuffle survives only within each preference.
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const a = shuffled[i];
    const b = shuffled[j];
    if (a === undefined || b === undefined) continue;
    shuffled[i] = b;
    shuffled[j] = a;
  }
  return shuffled.sort((x, y) => x.preference - y.preference);
}

/** A deterministic `random` for tests and reproducible runs (mulberry32). */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
