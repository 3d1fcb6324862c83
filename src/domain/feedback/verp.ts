// Addresses of the bounce listener. The envelope sender of every delivery of a tenant domain is
// a VERP address (Variable Envelope Return Path) naming that delivery:
//
//   b+<delivery>.<mac>@bounce.example.com    bounces (DSNs) and reports sent to the return path
//   u+<delivery>.<mac>@bounce.example.com    the mailto: of List-Unsubscribe
//   fbl@bounce.example.com                   feedback loops registered with a mailbox provider
//
// The MAC (tokens.ts, compact form) lets the listener accept a report for exactly the
// deliveries we sent, without a lookup and without trusting anything in the report's body.
import { signCompact, verifyCompact } from '../tokens.js';

export const VERP_PURPOSE = 'verp';
export const MAILTO_PURPOSE = 'unsubscribe-mailto';
export const FBL_LOCAL_PART = 'fbl';

// Delivery ids are `msg_<ULID>.<n>`; Crockford base32 ignores case, so the ULID travels lower-cased.
const DELIVERY_ID = /^msg_([0-9A-HJKMNP-TV-Z]{26})\.(\d{1,6})$/;
const COMPACT_ID = /^([0-9a-hjkmnp-tv-z]{26})-(\d{1,6})$/;

export function compactDeliveryId(id: string): string | undefined {
  const m = DELIVERY_ID.exec(id);
  return m ? `${m[1]!.toLowerCase()}-${m[2]}` : undefined;
}

export function expandDeliveryId(text: string): string | undefined {
  const m = COMPACT_ID.exec(text.toLowerCase());
  return m ? `msg_${m[1]!.toUpperCase()}.${m[2]}` : undefined;
}

function address(prefix: 'b' | 'u', purpose: string, secret: string, deliveryId: string, domain: string): string | undefined {
  const compact = compactDeliveryId(deliveryId);
  return compact === undefined ? undefined : `${prefix}+${signCompact(secret, purpose, compact)}@${domain}`;
}

/** The VERP return path of a delivery, or undefined for an id not minted by txmail. */
export const verpAddress = (secret: string, deliveryId: string, bounceDomain: string): string | undefined =>
  address('b', VERP_PURPOSE, secret, deliveryId, bounceDomain);

/** The List-Unsubscribe mailto address of a delivery. */
export const mailtoUnsubscribeAddress = (secret: string, deliveryId: string, bounceDomain: string): string | undefined =>
  address('u', MAILTO_PURPOSE, secret, deliveryId, bounceDomain);

export type FeedbackAddress =
  | { readonly kind: 'bounce'; readonly deliveryId: string }
  | { readonly kind: 'unsubscribe'; readonly deliveryId: string }
  | { readonly kind: 'fbl' }
  /** Looks like one of ours but the MAC does not verify: forged, tampered or truncated. */
  | { readonly kind: 'bad_token' }
  | { readonly kind: 'foreign' };

/** What an RCPT TO address of the bounce listener is. `bounceLabel` is the subdomain label (`bounce`). */
export function parseFeedbackAddress(secret: string, addr: string, bounceLabel: string): FeedbackAddress {
  const at = addr.lastIndexOf('@');
  if (at <= 0) return { kind: 'foreign' };
  const local = addr.slice(0, at).toLowerCase();
  const domain = addr.slice(at + 1).toLowerCase();
  // Only names under a bounce subdomain are ours: anything else would make this an open sink.
  if (!domain.startsWith(`${bounceLabel.toLowerCase()}.`)) return { kind: 'foreign' };
  if (local === FBL_LOCAL_PART) return { kind: 'fbl' };
  const m = /^([bu])\+(.+)$/.exec(local);
  if (!m) return { kind: 'foreign' };
  const purpose = m[1] === 'b' ? VERP_PURPOSE : MAILTO_PURPOSE;
  const text = verifyCompact(secret, purpose, m[2]!);
  const deliveryId = text === undefined ? undefined : expandDeliveryId(text);
  if (deliveryId === undefined) return { kind: 'bad_token' };
  return m[1] === 'b' ? { kind: 'bounce', deliveryId } : { kind: 'unsubscribe', deliveryId };
}

/**
 * Delivery ids of valid VERP addresses anywhere in a text: a feedback-loop report names the
 * original return path in Original-Mail-From or the attached message's Return-Path.
 */
export function verpDeliveriesIn(secret: string, text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(/\bb\+([a-z0-9-]{1,40}\.[a-z2-7]{16})@/gi)) {
    const t = verifyCompact(secret, VERP_PURPOSE, m[1]!);
    const id = t === undefined ? undefined : expandDeliveryId(t);
    if (id !== undefined) out.add(id);
  }
  return [...out];
}
