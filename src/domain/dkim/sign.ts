// DKIM signing (RFC 6376 §5), relaxed/relaxed, SHA-256, with RSA or Ed25519 keys (RFC 8463).
// Synchronous and single-pass over a Buffer: one body hash serves every signature, and keys
// arrive as parsed KeyObjects that the caller caches, so a signature costs little more than the
// private-key operation itself. Verified against mailauth, an independent implementation.
import { createHash, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { relaxedBody, relaxedHeader, splitMessage, type RawField } from './canonical.js';
import type { DkimKeyType } from './record.js';

export interface DkimSigningKey {
  /** d=: the signing domain, aligned with the From domain for DMARC. */
  readonly domain: string;
  /** s=: the selector under `_domainkey.<domain>`. */
  readonly selector: string;
  readonly type: DkimKeyType;
  readonly key: KeyObject;
}

/**
 * Fields signed when present, in this order: RFC 6376 §5.4.1's recommended set, the MIME
 * structure, and List-Unsubscribe(-Post), which RFC 8058 §4 requires to be signed.
 */
export const SIGNED_FIELDS: readonly string[] = [
  'from', 'sender', 'reply-to', 'subject', 'date', 'to', 'cc', 'message-id', 'in-reply-to', 'references',
  'mime-version', 'content-type', 'content-transfer-encoding', 'list-id', 'list-unsubscribe', 'list-unsubscribe-post', 'feedback-id',
];

/**
 * Signed once more than they occur (§8.15): a field of that name added later, by anyone, breaks
 * the signature instead of being displayed in place of ours.
 */
export const OVERSIGNED: ReadonlySet<string> = new Set(['from', 'reply-to', 'subject', 'to', 'cc', 'list-unsubscribe', 'list-unsubscribe-post']);

const LINE = 72;

/** The h= list: each present field as often as it occurs (plus once for oversigned ones). */
export function signedFieldList(fields: readonly RawField[]): string[] {
  const count = new Map<string, number>();
  for (const f of fields) count.set(f.name, (count.get(f.name) ?? 0) + 1);
  const out: string[] = [];
  for (const name of SIGNED_FIELDS) {
    const n = (count.get(name) ?? 0) + (OVERSIGNED.has(name) ? 1 : 0);
    for (let i = 0; i < n; i++) out.push(name);
  }
  return out;
}

/** §5.4.2: the canonical fields named by h=, repeated names taken from the bottom up; a missing one adds nothing. */
function signedHeaderData(fields: readonly RawField[], names: readonly string[]): string {
  const used = new Map<string, number>();
  // Grouped once: filtering the fields per name was quadratic in a header of many fields.
  const byName = new Map<string, RawField[]>();
  for (const f of fields) {
    const list = byName.get(f.name);
    if (list) list.push(f);
    else byName.set(f.name, [f]);
  }
  let data = '';
  for (const name of names) {
    const instances = byName.get(name) ?? [];
    const taken = used.get(name) ?? 0;
    used.set(name, taken + 1);
    const f = instances[instances.length - 1 - taken];
    if (f) data += `${relaxedHeader(f.text)}\r\n`;
  }
  return data;
}

/** Folds a colon-separated list at colons so no line grows past ~72 characters. */
function foldList(items: readonly string[], firstLineUsed: number): string {
  let out = '';
  let col = firstLineUsed;
  items.forEach((item, i) => {
    const piece = i === 0 ? item : `:${item}`;
    if (i > 0 && col + piece.length > LINE) {
      out += '\r\n\t';
      col = 1;
    }
    out += piece;
    col += piece.length;
  });
  return out;
}

function foldBase64(b64: string): string {
  const parts: string[] = [];
  for (let i = 0; i < b64.length; i += LINE) parts.push(b64.slice(i, i + LINE));
  return parts.join('\r\n\t');
}

/**
 * DKIM-Signature fields (each ending in CRLF) to put on top of `msg`, one per key. `msg` must
 * use CRLF line ends (see toCrlf). `now` is epoch ms, written as t=.
 */
export function dkimSignatures(msg: Buffer, keys: readonly DkimSigningKey[], now: number): string {
  if (keys.length === 0) return '';
  const text = msg.toString('latin1');
  const { fields, bodyOffset } = splitMessage(text);
  const bh = createHash('sha256').update(relaxedBody(text.slice(bodyOffset)), 'latin1').digest('base64');
  const names = signedFieldList(fields);
  const headerData = signedHeaderData(fields, names);
  let out = '';
  for (const k of keys) {
    const a = k.type === 'rsa' ? 'rsa-sha256' : 'ed25519-sha256';
    const head = `DKIM-Signature: v=1; a=${a}; c=relaxed/relaxed; d=${k.domain}; s=${k.selector};\r\n\tt=${Math.floor(now / 1000)}; h=`;
    const unsigned = `${head}${foldList(names, 14)};\r\n\tbh=${bh};\r\n\tb=`;
    const data = Buffer.from(headerData + relaxedHeader(unsigned), 'latin1');
    // RFC 8463 §3: Ed25519 signs the SHA-256 digest of the data; RSA hashes inside the signature.
    const b =
      k.type === 'rsa' ? cryptoSign('sha256', data, k.key) : cryptoSign(null, createHash('sha256').update(data).digest(), k.key);
    out += `${unsigned}${foldBase64(b.toString('base64'))}\r\n`;
  }
  return out;
}
