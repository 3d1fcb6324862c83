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

// Compact tokens, for the one place a token must be short and survive case folding: the local
// part of an SMTP address (VERP return paths, mailto unsubscribe). RFC 5321 §4.5.3.1.1 caps a
// local part at 64 octets, and some MTAs lower-case it, so the text is lower-case [a-z0-9-] and
// the MAC is 80 bits in lower-case base32 (same construction and purpose separation as above).
const B32 = 'abcdefghijklmnopqrstuvwxyz234567';
const COMPACT_MAC_CHARS = 16;
const COMPACT_TEXT = /^[a-z0-9-]{1,40}$/;

function base32(buf: Buffer, chars: number): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const byte of buf) {
    acc = ((acc << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5 && out.length < chars) {
      bits -= 5;
      out += B32[(acc >> bits) & 31]!;
    }
    if (out.length >= chars) break;
  }
  return out;
}

/** `<text>.<mac>`; `text` must be 1..40 characters of [a-z0-9-]. */
export function signCompact(secret: string, purpose: string, text: string): string {
  if (!COMPACT_TEXT.test(text)) throw new Error(`compact token text must match ${String(COMPACT_TEXT)}`);
  return `${text}.${base32(mac(secret, purpose, text), COMPACT_MAC_CHARS)}`;
}

/** The text of a compact token signed for `purpose` (case-insensitive), or undefined. */
export function verifyCompact(secret: string, purpose: string, token: string): string | undefined {
  const lower = token.toLowerCase();
  const dot = lower.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const text = lower.slice(0, dot);
  if (!COMPACT_TEXT.test(text)) return undefined;
  const given = Buffer.from(lower.slice(dot + 1));
  const expected = Buffer.from(base32(mac(secret, purpose, text), COMPACT_MAC_CHARS));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  return text;
}
