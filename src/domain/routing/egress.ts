// The egress filter (DESIGN.md invariant 5): a recipient domain is chosen by whoever sends
// the message, so its MX records could point us at our own loopback, the operator's private
// network or a cloud metadata address (169.254.169.254). Only global unicast addresses pass.
// With `allowPrivate` (config `delivery.allow_private_targets`) the internal ranges pass too;
// multicast, broadcast and reserved ranges never do: no SMTP server can be there.
import ipaddr from 'ipaddr.js';

export type EgressVerdict = { readonly ok: true } | { readonly ok: false; readonly why: string };

/** Ranges that are internal rather than impossible: `allowPrivate` lets these through. */
const INTERNAL: Readonly<Record<string, string>> = {
  loopback: 'loopback',
  private: 'private (RFC 1918)',
  uniqueLocal: 'private (unique local, RFC 4193)',
  linkLocal: 'link-local',
  deprecatedSiteLocal: 'site-local (RFC 3879)',
  carrierGradeNat: 'shared address space (CGNAT, RFC 6598)',
  unspecified: 'unspecified',
};

const NEVER: Readonly<Record<string, string>> = {
  multicast: 'multicast',
  broadcast: 'broadcast',
  reserved: 'reserved',
  benchmarking: 'reserved for benchmarking (RFC 2544)',
  discard: 'discard-only (RFC 6666)',
};

type V4 = ipaddr.IPv4;
type V6 = ipaddr.IPv6;

function v4FromLow32(parts: readonly number[], hi: number, lo: number): V4 {
  const a = parts[hi] ?? 0;
  const b = parts[lo] ?? 0;
  return new ipaddr.IPv4([a >> 8, a & 0xff, b >> 8, b & 0xff]);
}

/**
 * The IPv4 address an IPv6 address stands for, when the packets would end up there:
 * IPv4-mapped ::ffff:a.b.c.d (RFC 4291 §2.5.5.2) and IPv4-translated ::ffff:0:a.b.c.d
 * (RFC 6145), NAT64 64:ff9b::/96 (RFC 6052), and 6to4 2002:AABB:CCDD::/48 (RFC 3056).
 */
function embeddedV4(ip: V6): V4 | undefined {
  switch (ip.range()) {
    case 'ipv4Mapped':
    case 'rfc6145':
    case 'rfc6052':
      return v4FromLow32(ip.parts, 6, 7);
    case '6to4':
      return v4FromLow32(ip.parts, 1, 2);
    default:
      return undefined;
  }
}

function parseStrict(ip: string): V4 | V6 | undefined {
  // ipaddr.parse also takes "127.1" and "0x7f.0.0.1"; DNS never yields those, so reject them.
  if (ipaddr.IPv4.isValidFourPartDecimal(ip)) return ipaddr.IPv4.parse(ip);
  if (ipaddr.IPv6.isValid(ip)) return ipaddr.IPv6.parse(ip);
  return undefined;
}

/** ::a.b.c.d or ::xxxx:xxxx, IPv4-compatible, deprecated by RFC 4291 §2.5.5.1. */
function isV4Compatible(ip: string, v6: V6): boolean {
  // ipaddr.js reads "::127.0.0.1" as if it were IPv4-mapped, so the text is checked too.
  if (/^::\d+\.\d+\.\d+\.\d+$/.test(ip)) return true;
  return v6.parts.slice(0, 6).every((p) => p === 0) && v6.range() === 'unicast';
}

function judgeRange(range: string, allowPrivate: boolean): string | undefined {
  const internal = INTERNAL[range];
  if (internal !== undefined) return allowPrivate ? undefined : internal;
  if (range === 'unicast' || range === 'teredo') return undefined; // teredo: global, tunnelled
  return NEVER[range] ?? `special-purpose (${range})`;
}

/** Whether we may open a connection to `ip`; `why` names the range when we may not. */
export function checkEgress(ip: string, allowPrivate: boolean): EgressVerdict {
  const addr = parseStrict(ip);
  if (addr === undefined) return { ok: false, why: `${ip} is not an IP address` };
  if (addr instanceof ipaddr.IPv6) {
    if (isV4Compatible(ip, addr)) return { ok: false, why: `${ip} is reserved (deprecated IPv4-compatible address)` };
    const inner = embeddedV4(addr);
    if (inner !== undefined) {
      const why = judgeRange(inner.range(), allowPrivate);
      return why === undefined ? { ok: true } : { ok: false, why: `${ip} is ${why} (embeds IPv4 ${inner.toString()})` };
    }
  }
  const why = judgeRange(addr.range(), allowPrivate);
  return why === undefined ? { ok: true } : { ok: false, why: `${ip} is ${why}` };
}
