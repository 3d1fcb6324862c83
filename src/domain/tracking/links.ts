// Tracking URLs: `<base>/t/o/<token>` (the open pixel) and `<base>/t/c/<token>` (a click), where
// the token is signed (tokens.ts) and holds the delivery and, for a click, the destination.
// The destination is only ever taken from a token whose MAC verifies, so a tampered or forged
// link can never redirect anywhere (no open redirect); purposes keep the two kinds apart.
import { signToken, verifyToken } from '../tokens.js';

export const OPEN_PURPOSE = 'track-open';
export const CLICK_PURPOSE = 'track-click';
export const TRACKING_PREFIX = '/t';

interface OpenPayload {
  readonly d: string;
}
interface ClickPayload {
  readonly d: string;
  readonly u: string;
}

/** `public_url` without a trailing slash: the base every tracking URL starts with. */
export function trackingBase(publicUrl: string): string {
  return publicUrl.replace(/\/+$/, '') + TRACKING_PREFIX;
}

export function openUrl(base: string, secret: string, deliveryId: string): string {
  return `${base}/o/${signToken(secret, OPEN_PURPOSE, { d: deliveryId } satisfies OpenPayload)}`;
}

export function clickUrl(base: string, secret: string, deliveryId: string, target: string): string {
  return `${base}/c/${signToken(secret, CLICK_PURPOSE, { d: deliveryId, u: target } satisfies ClickPayload)}`;
}

const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 8192;

export function readOpenToken(secret: string, token: string): { deliveryId: string } | undefined {
  const p = verifyToken<Partial<OpenPayload>>(secret, OPEN_PURPOSE, token);
  return p && typeof p === 'object' && isString(p.d) ? { deliveryId: p.d } : undefined;
}

/** The click's delivery and destination; undefined for anything not signed by us or not http(s). */
export function readClickToken(secret: string, token: string): { deliveryId: string; url: string } | undefined {
  const p = verifyToken<Partial<ClickPayload>>(secret, CLICK_PURPOSE, token);
  if (!p || typeof p !== 'object' || !isString(p.d) || !isString(p.u)) return undefined;
  // Belt and braces: we only ever sign http(s) targets, but a redirect must never be anything else.
  if (!/^https?:\/\//i.test(p.u)) return undefined;
  return { deliveryId: p.d, url: p.u };
}
