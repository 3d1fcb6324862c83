// Reading the header block of a finished RFC 5322 message (SMTP submission, SES Raw, a stored
// message before delivery): unfolded lines and the first value of a field. One reader for
// every layer that needs a header of a message it did not compose.

const HEADER_END = /\r?\n\r?\n/;

/** The header block (unfolded lines) and the offset where the body starts. */
export function splitHeaders(raw: Buffer): { lines: string[]; bodyOffset: number } {
  // Headers are ASCII or UTF-8 (RFC 6532); latin1 keeps byte offsets exact while scanning.
  const head = raw.subarray(0, Math.min(raw.length, 256 * 1024)).toString('latin1');
  const m = HEADER_END.exec(head);
  const end = m ? m.index : head.length;
  const bodyOffset = m ? m.index + m[0].length : raw.length;
  const lines: string[] = [];
  for (const line of head.slice(0, end).split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && lines.length > 0) lines[lines.length - 1] += ` ${line.trim()}`;
    else lines.push(line);
  }
  return { lines, bodyOffset };
}

/** The first value of a header, as written (encoded words are left encoded). */
export function headerValue(lines: readonly string[], name: string): string | undefined {
  const prefix = `${name.toLowerCase()}:`;
  const line = lines.find((l) => l.toLowerCase().startsWith(prefix));
  return line === undefined ? undefined : Buffer.from(line.slice(prefix.length), 'latin1').toString('utf8').trim();
}
