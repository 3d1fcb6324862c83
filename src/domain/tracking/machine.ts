// Was an open or click made by a person, or by a machine on the recipient's side?
//
// Machines that fetch tracking URLs without a person: Apple Mail Privacy Protection loads every
// remote image through Apple's proxies as soon as mail arrives (user agent exactly
// "Mozilla/5.0", addresses in Apple's 17.0.0.0/8); corporate link scanners (Microsoft Safe
// Links, Proofpoint, Mimecast, Barracuda...) follow every link, often with HEAD, within seconds
// of delivery and with tell-tale user agents. Gmail's and Yahoo's image proxies, by contrast,
// fetch when a person opens the mail, so those count as human.
// The rules are data, checked in order; the first match names the reason.

export interface EngagementRequest {
  readonly kind: 'open' | 'click';
  readonly method: string;
  readonly userAgent: string | null;
  readonly ip: string | null;
  /** Milliseconds since the delivery was recorded as delivered; null when unknown. */
  readonly sinceDeliveredMs: number | null;
}

export interface MachinePolicy {
  /** A click this soon after delivery is a scanner's. */
  readonly clickWindowMs: number;
}

export type MachineVerdict = { readonly machine: false } | { readonly machine: true; readonly reason: string };

interface Rule {
  readonly reason: string;
  readonly applies: 'open' | 'click' | 'both';
  readonly test: (r: EngagementRequest, p: MachinePolicy) => boolean;
}

const SCANNER_UA =
  /bot\b|crawler|spider|scanner|preview|proofpoint|mimecast|barracuda|forcepoint|safelinks|symantec|trendmicro|sophos|fireeye|ironport|cisco|zscaler|python-requests|python-urllib|go-http-client|curl\/|wget\/|java\/|okhttp|headlesschrome|phantomjs|libwww|httpclient|axios\//i;

function inApple17(ip: string | null): boolean {
  if (ip === null) return false;
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  return /^17\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

export const MACHINE_RULES: readonly Rule[] = [
  { reason: 'apple_mpp', applies: 'open', test: (r) => r.userAgent === 'Mozilla/5.0' || inApple17(r.ip) },
  { reason: 'head_request', applies: 'both', test: (r) => r.method === 'HEAD' },
  { reason: 'no_user_agent', applies: 'both', test: (r) => r.userAgent === null || r.userAgent.trim() === '' },
  { reason: 'scanner_user_agent', applies: 'both', test: (r) => r.userAgent !== null && SCANNER_UA.test(r.userAgent) },
  { reason: 'too_fast', applies: 'click', test: (r, p) => r.sinceDeliveredMs !== null && r.sinceDeliveredMs >= 0 && r.sinceDeliveredMs < p.clickWindowMs },
];

export function classifyEngagement(r: EngagementRequest, policy: MachinePolicy): MachineVerdict {
  for (const rule of MACHINE_RULES) {
    if (rule.applies !== 'both' && rule.applies !== r.kind) continue;
    if (rule.test(r, policy)) return { machine: true, reason: rule.reason };
  }
  return { machine: false };
}
