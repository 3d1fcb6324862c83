// An SMTP reply as a value (RFC 5321 §4.2, enhanced codes RFC 3463/2034).

export interface SmtpReply {
  readonly code: number;
  /** Enhanced status code like `5.1.1`, when the server gave one. */
  readonly enhanced?: string;
  /** The reply text without codes; multi-line replies joined with a space. */
  readonly text: string;
}

const ENHANCED = /^([245])\.(\d{1,3})\.(\d{1,3})\b/;

/**
 * Parses a raw reply such as `550-5.1.1 The email account ...\r\n550 5.1.1 ... gsmtp`.
 * Returns undefined when the text does not start with a three-digit code.
 */
export function parseReply(raw: string): SmtpReply | undefined {
  const lines = raw.split(/\r?\n/).filter((l) => l.length > 0);
  const first = lines[0];
  if (!first) return undefined;
  const m = /^([2-5]\d\d)[ -]?/.exec(first);
  if (!m || !m[1]) return undefined;
  const code = Number(m[1]);
  let enhanced: string | undefined;
  const parts: string[] = [];
  for (const line of lines) {
    let rest = line.replace(/^\d{3}[ -]?/, '');
    const e = ENHANCED.exec(rest);
    if (e) {
      enhanced ??= e[0];
      rest = rest.slice(e[0].length).trimStart();
    }
    if (rest) parts.push(rest);
  }
  const text = parts.join(' ').trim();
  return enhanced ? { code, enhanced, text } : { code, text };
}

export function formatReply(r: SmtpReply): string {
  return [String(r.code), r.enhanced, r.text].filter(Boolean).join(' ');
}

export function isTransient(r: SmtpReply): boolean {
  return r.code >= 400 && r.code < 500;
}

export function isPermanent(r: SmtpReply): boolean {
  return r.code >= 500;
}
