// DKIM canonicalization, relaxed/relaxed (RFC 6376 §3.4.2 and §3.4.4), over a message held as
// a "binary string" (latin1: one char per byte), so UTF-8 headers (RFC 6532) and 8bit bodies
// are hashed byte for byte. Only whitespace is touched; header names are lower-cased (ASCII).

/** One header field as it appears in the message, folding included, without its final CRLF. */
export interface RawField {
  /** Lower-cased field name. */
  readonly name: string;
  /** `Name: value` exactly as written (continuation lines keep their CRLF + WSP). */
  readonly text: string;
}

export interface SplitMessage {
  readonly fields: readonly RawField[];
  /** Offset of the body in the message (after the empty line), or the message length. */
  readonly bodyOffset: number;
}

/** Splits a CRLF message into its header fields and the offset of the body. */
export function splitMessage(msg: string): SplitMessage {
  const end = msg.startsWith('\r\n') ? 0 : msg.indexOf('\r\n\r\n');
  const headEnd = end === -1 ? msg.length : end;
  const bodyOffset = end === -1 ? msg.length : end === 0 ? 2 : end + 4;
  const fields: Array<{ name: string; text: string }> = [];
  if (headEnd > 0) {
    for (const line of msg.slice(0, headEnd).split('\r\n')) {
      const last = fields[fields.length - 1];
      if ((line.startsWith(' ') || line.startsWith('\t')) && last) {
        last.text += `\r\n${line}`;
        continue;
      }
      const colon = line.indexOf(':');
      // A line with no field name is not a header; keep it out of the signature rather than fail.
      if (colon <= 0) continue;
      fields.push({ name: line.slice(0, colon).trim().toLowerCase(), text: line });
    }
  }
  return { fields, bodyOffset };
}

/** §3.4.2: `name:value` with the name lower-cased, unfolded, WSP runs as one SP, no WSP at the ends of the value. */
export function relaxedHeader(text: string): string {
  const colon = text.indexOf(':');
  const name = text.slice(0, colon).trim().toLowerCase();
  const value = text
    .slice(colon + 1)
    .replace(/\r\n(?=[ \t])/g, '')
    .replace(/[ \t]+/g, ' ')
    .trim();
  return `${name}:${value}`;
}

/** §3.4.4: WSP runs as one SP, none at line ends, no empty lines at the end, a final CRLF unless empty. */
export function relaxedBody(body: string): string {
  // Whole-body passes rather than per line, and single spaces (most of any text) left alone:
  // only a tab or a run of two or more WSP is rewritten.
  const b = body
    .replace(/\t[ \t]*| [ \t]+/g, ' ')
    .replace(/ \r\n/g, '\r\n')
    .replace(/ $/, '');
  // Trailing empty lines by hand: /(?:\r\n)+$/ retries at every CRLF of a long run of them
  // and fails at its end, which is quadratic in the run's length.
  let end = b.length;
  while (end >= 2 && b.charCodeAt(end - 2) === 13 && b.charCodeAt(end - 1) === 10) end -= 2;
  return end === 0 ? '' : `${b.slice(0, end)}\r\n`;
}

/** True when the message has a CR or LF that is not part of a CRLF pair. */
export function hasBareLineEnds(msg: string): boolean {
  return /\r(?!\n)|(?<!\r)\n/.test(msg);
}

/**
 * Every line end as CRLF: what the SMTP client puts on the wire, and so what a verifier hashes.
 * One scan and one join: a global regex replace with millions of matches grew superlinearly in
 * V8 (10x the line ends took 40x to 80x the time, in one piece or in chunks).
 */
export function toCrlf(msg: string): string {
  if (!hasBareLineEnds(msg)) return msg;
  const lines: string[] = [];
  let from = 0;
  for (let i = 0; i < msg.length; i++) {
    const c = msg.charCodeAt(i);
    if (c === 13) {
      lines.push(msg.slice(from, i));
      if (msg.charCodeAt(i + 1) === 10) i++;
      from = i + 1;
    } else if (c === 10) {
      lines.push(msg.slice(from, i));
      from = i + 1;
    }
  }
  lines.push(msg.slice(from));
  return lines.join('\r\n');
}
