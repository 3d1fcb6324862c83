// Signed tokens for links recipients click (unsubscribe, open/click tracking) and for VERP
// return paths: a payload and an HMAC-SHA256 over it, so a tampered or forged token is
// refused without any lookup. Payloads are small JSON values; they are not secret.
import { createHmac, timingSafeEqual } from 'node:crypto';

const MAC_BYTES = 16;

function mac(secret: string, purpose: string, body: string): Buffer {
  // The purpose is part of the MAC, so a token minted for one use cannot be replayed for another.
  return createHmac('sha256', secret).update(purpose).update('\0').update(body).digest().subarray(0, MAC_BYTES);
}

export function signToken(secret: string, purpose: string, payload: unknown): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${mac(secret, purpose, body).toString('base64url')}`;
}

/** The payload of a token signed for `purpose`, or undefined for anything tampered, forged or malformed. */
export function verifyToken<T = unknown>(secret: string, purpose: string, token: string): T | undefined {
  const dot = token.indexOf('.');
  if (dot <= 0 || dot !== token.lastIndexOf('.')) return undefined;
  const body = token.slice(0, dot);
  // Compared as text, not as decoded bytes: base64's last character carries spare bits, so
  // several spellings decode to the same MAC, and a token changed in any character must fail.
  const given = Buffer.from(token.slice(dot + 1));
  const expected = Buffer.from(mac(secret, purpose, body).toString('base64url'));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as T;
  } catch {
    return undefined;
  }
}
