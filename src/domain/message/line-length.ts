// RFC 5322 §2.1.1 (and RFC 5321 §4.5.3.1.6): a line is at most 998 octets before its CRLF.
// Longer lines are cut or refused by servers on the route, which breaks the message and its
// DKIM signature. Composed messages keep to it (the composer folds headers and encodes bodies
// with long lines); a finished message (SMTP submission, SES Raw) that breaks it is refused,
// since re-encoding it would change content a sender may already have signed.

export const MAX_LINE_OCTETS = 998;

export interface LongLine {
  /** 1-based line number. */
  readonly line: number;
  readonly octets: number;
  /** True when the line is in the header section. */
  readonly inHeader: boolean;
}

/** The first line longer than 998 octets (CRLF excluded), or undefined; one pass. */
export function findLongLine(raw: Uint8Array, max = MAX_LINE_OCTETS): LongLine | undefined {
  let start = 0;
  let line = 1;
  let inHeader = true;
  while (start <= raw.length) {
    let nl = raw.indexOf(0x0a, start);
    if (nl === -1) nl = raw.length;
    const end = nl > start && raw[nl - 1] === 0x0d ? nl - 1 : nl;
    const octets = end - start;
    if (octets > max) return { line, octets, inHeader };
    if (octets === 0) inHeader = false;
    start = nl + 1;
    line++;
  }
  return undefined;
}

export function longLineMessage(l: LongLine): string {
  const where = l.inHeader ? 'in the header' : 'in the body';
  return `line ${l.line} (${where}) is ${l.octets} octets; RFC 5322 §2.1.1 allows at most ${MAX_LINE_OCTETS} before CRLF`;
}
