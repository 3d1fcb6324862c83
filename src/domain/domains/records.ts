// The DNS records a sending domain needs, as exact values to publish:
//
//   <selector>._domainkey.D   TXT    DKIM public key, one per published key (RFC 6376 §3.6.2)
//   bounce.D                  MX     our bounce listener: the VERP return path's domain
//   bounce.D                  TXT    SPF for that return path (RFC 7208); aligned with D under
//                                    DMARC's relaxed alignment (RFC 7489 §3.1.2)
//   _dmarc.D                  TXT    DMARC policy (RFC 7489 §6.1); p=none to start
//   track.D                   CNAME  the tracking and unsubscribe host (optional)
import { dkimRecordValue } from '../dkim/record.js';
import { keyState, keyType, publishedKeys, type DkimKeyFacts, type KeyState } from './keys.js';

export type RecordPurpose = 'dkim' | 'return_path' | 'spf' | 'dmarc' | 'tracking';
export type RecordType = 'TXT' | 'MX' | 'CNAME' | 'A';

export interface ExpectedRecord {
  readonly purpose: RecordPurpose;
  readonly type: RecordType;
  readonly name: string;
  readonly value: string;
  /** MX preference. */
  readonly priority?: number;
  /** Sending is judged verified when every required record is ok. */
  readonly required: boolean;
  readonly note: string;
  readonly selector?: string;
  readonly keyId?: string;
  readonly keyState?: KeyState;
}

export interface DnsPlan {
  readonly domain: string;
  /** Label of the return-path subdomain (config domains.bounce_subdomain). */
  readonly bounceLabel: string;
  /** Host name of our bounce listener, the MX target. */
  readonly mxHost: string;
  /** SPF mechanisms that authorise our sending addresses, e.g. `ip4:203.0.113.5` or `a:mail.example.net`. */
  readonly spfMechanisms: readonly string[];
  /** Label of the tracking host (config domains.tracking_subdomain). */
  readonly trackingLabel: string;
  /** Host (or IPv4 address) of public_url, where tracking and unsubscribe links point. */
  readonly trackingTarget: string;
}

export const bounceDomain = (plan: Pick<DnsPlan, 'domain' | 'bounceLabel'>): string => `${plan.bounceLabel}.${plan.domain}`;

const iso = (ms: number): string => new Date(ms).toISOString();

function dkimNote(state: KeyState, retireAt: number | null): string {
  switch (state) {
    case 'pending':
      return 'new key of a rotation: publish it, then verify; signing switches once it is found';
    case 'active':
      return 'signs outgoing mail';
    default:
      return `previous key: keep it published until ${retireAt === null ? 'the grace period ends' : iso(retireAt)} so mail in flight still verifies`;
  }
}

export function expectedRecords(plan: DnsPlan, keys: readonly DkimKeyFacts[], now: number): ExpectedRecord[] {
  const out: ExpectedRecord[] = [];
  for (const k of publishedKeys(keys, now)) {
    const state = keyState(k, now);
    out.push({
      purpose: 'dkim',
      type: 'TXT',
      name: `${k.selector}._domainkey.${plan.domain}`,
      value: dkimRecordValue(keyType(k.algorithm), k.publicKey),
      required: state !== 'retiring',
      note: dkimNote(state, k.retireAt),
      selector: k.selector,
      keyId: k.id,
      keyState: state,
    });
  }
  const bounce = bounceDomain(plan);
  out.push({
    purpose: 'return_path',
    type: 'MX',
    name: bounce,
    value: plan.mxHost,
    priority: 10,
    required: true,
    note: 'the envelope sender is b+<token>@' + bounce + ': asynchronous bounces and complaints come back here',
  });
  out.push({
    purpose: 'spf',
    type: 'TXT',
    name: bounce,
    value: `v=spf1 ${plan.spfMechanisms.join(' ')} -all`,
    required: true,
    note: `SPF is checked on the envelope sender's domain (${bounce}); it aligns with ${plan.domain} for DMARC`,
  });
  out.push({
    purpose: 'dmarc',
    type: 'TXT',
    name: `_dmarc.${plan.domain}`,
    value: 'v=DMARC1; p=none; adkim=r; aspf=r',
    required: true,
    note: 'any valid DMARC record passes; start with p=none, move to quarantine or reject once reports look clean',
  });
  const ip = /^\d{1,3}(\.\d{1,3}){3}$/.test(plan.trackingTarget);
  out.push({
    purpose: 'tracking',
    type: ip ? 'A' : 'CNAME',
    name: `${plan.trackingLabel}.${plan.domain}`,
    value: plan.trackingTarget,
    required: false,
    note: 'optional: a host of your domain for tracking and unsubscribe links',
  });
  return out;
}

/**
 * The record as a zone-file line (RFC 1035 §5.1), ready to paste: TXT values over 255 octets
 * are written as several character-strings, which resolvers join back (RFC 6376 §3.6.2.2).
 */
export function zoneFileLine(r: ExpectedRecord, ttl = 3600): string {
  const fqdn = (n: string): string => `${n.replace(/\.$/, '')}.`;
  switch (r.type) {
    case 'TXT': {
      const parts: string[] = [];
      for (let i = 0; i < r.value.length; i += 255) parts.push(`"${r.value.slice(i, i + 255).replace(/["\\]/g, '\\$&')}"`);
      return `${fqdn(r.name)} ${ttl} IN TXT ${parts.length > 1 ? `( ${parts.join(' ')} )` : parts[0]}`;
    }
    case 'MX':
      return `${fqdn(r.name)} ${ttl} IN MX ${r.priority ?? 10} ${fqdn(r.value)}`;
    case 'CNAME':
      return `${fqdn(r.name)} ${ttl} IN CNAME ${fqdn(r.value)}`;
    case 'A':
      return `${fqdn(r.name)} ${ttl} IN A ${r.value}`;
  }
}
