// Finished RFC 5322 messages (SMTP submission, SES Raw): we add what a sender's message
// must carry (Message-ID, Date) and read the few headers we index, without re-encoding.
import { toCrlf } from '../domain/dkim/canonical.js';
import { headerValue, splitHeaders } from '../domain/message/raw-headers.js';

/** Adds Message-ID and Date when the message has none; returns the Message-ID in use. */
export function ensureIdentity(raw: Buffer, messageIdHeader: string, date: number): { raw: Buffer; messageIdHeader: string } {
  const { lines } = splitHeaders(raw);
  const add: string[] = [];
  const existing = headerValue(lines, 'message-id');
  if (!existing) add.push(`Message-ID: ${messageIdHeader}`);
  if (!headerValue(lines, 'date')) add.push(`Date: ${new Date(date).toUTCString().replace('GMT', '+0000')}`);
  const out = add.length === 0 ? raw : Buffer.concat([Buffer.from(add.join('\r\n') + '\r\n', 'latin1'), raw]);
  return { raw: out, messageIdHeader: existing ?? messageIdHeader };
}

export interface RemovedHeader {
  readonly name: string;
  /** Unfolded (CRLF before folding whitespace removed, RFC 5322 §2.2.3), still encoded. */
  readonly value: string;
}

/**
 * Takes out every header field whose name `remove` picks (with its folded continuation lines)
 * and leaves every other byte as it was. Expects CRLF line ends (the SMTP ingress refuses
 * anything else; other ingresses normalise first).
 */
export function removeHeaders(raw: Buffer, remove: (lowerName: string) => boolean): { raw: Buffer; removed: RemovedHeader[] } {
  const head = raw.subarray(0, Math.min(raw.length, 256 * 1024)).toString('latin1');
  const end = head.indexOf('\r\n\r\n');
  const headerEnd = end < 0 ? head.length : end + 2;
  const fields: string[] = [];
  for (const line of head.slice(0, headerEnd).split(/(?<=\r\n)/)) {
    if (/^[ \t]/.test(line) && fields.length > 0) fields[fields.length - 1] += line;
    else fields.push(line);
  }
  const removed: RemovedHeader[] = [];
  const kept = fields.filter((f) => {
    const colon = f.indexOf(':');
    if (colon <= 0 || !remove(f.slice(0, colon).trim().toLowerCase())) return true;
    removed.push({ name: f.slice(0, colon).trim(), value: Buffer.from(f.slice(colon + 1).replace(/\r\n(?=[ \t])/g, ''), 'latin1').toString('utf8').trim() });
    return false;
  });
  if (removed.length === 0) return { raw, removed };
  return { raw: Buffer.concat([Buffer.from(kept.join(''), 'latin1'), raw.subarray(headerEnd)]), removed };
}

/** Decodes RFC 2047 encoded words in UTF-8 (B or Q); clients encode non-ASCII header values so. */
export function decodeEncodedWords(value: string): string {
  // Whitespace between two adjacent encoded words is not part of the text (RFC 2047 §6.2).
  return value.replace(/\?=\s+=\?/g, '?==?').replace(/=\?utf-8\?([bq])\?([^?]*)\?=/gi, (_, enc: string, text: string) =>
    enc.toLowerCase() === 'b'
      ? Buffer.from(text, 'base64').toString('utf8')
      : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9a-f]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'),
  );
}

/** CRLF for every line end (API-supplied raw messages): a bare CR or LF must never reach an SMTP peer. */
export function normaliseLineEnds(raw: Buffer): Buffer {
  const s = raw.toString('latin1');
  return /\r(?!\n)|(?<!\r)\n/.test(s) ? Buffer.from(toCrlf(s), 'latin1') : raw;
}
