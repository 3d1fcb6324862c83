// RFC 2047 encoded words (`=?utf-8?B?...?=`) in values a caller gives us ready-encoded. A mail
// client decodes them before showing the value, so `=?utf-8?B?eA0KQmNjOiB2QHgudGVzdA==?=` is
// seen as "x", a line break and "Bcc: v@x.test". We decode them and hold the decoded text to
// the same rules as plain text (no CR, LF or other controls; display names that show no
// other address), and keep the decoded text, which the composer encodes again as needed.

// charset[*language] ? B|Q ? text ?=  (RFC 2047 §2, RFC 2231 §5); the text has no space or '?'.
const WORD = /=\?([^?\s*]+)(?:\*[^?\s]*)?\?([bq])\?([^?\s]*)\?=/gi;
const BETWEEN_WORDS = /(?<==\?[^?\s]+\?[bq]\?[^?\s]*\?=)\s+(?==\?[^?\s]+\?[bq]\?[^?\s]*\?=)/gi;

export type Decoded = { readonly text: string } | { readonly error: string };

/** `value` with every encoded word decoded; whitespace between two words is dropped (§6.2). */
export function decodeEncodedWords(value: string): Decoded {
  if (!value.includes('=?')) return { text: value };
  let error: string | undefined;
  const joined = value.replace(BETWEEN_WORDS, '');
  const text = joined.replace(WORD, (_m, charset: string, enc: string, data: string) => {
    const bytes =
      enc.toLowerCase() === 'b'
        ? Buffer.from(data, 'base64')
        : Buffer.from(data.replace(/_/g, ' ').replace(/=([0-9a-f]{2})/gi, (_q, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
    try {
      return new TextDecoder(charset.toLowerCase(), { fatal: false }).decode(bytes);
    } catch {
      // A charset we cannot read may be one a mail client can: we could not check what it shows.
      error ??= `contains an encoded word (RFC 2047) in an unknown charset "${charset}"`;
      return '';
    }
  });
  return error === undefined ? { text } : { error };
}

/**
 * The decoded value, or why it may not go into a header: an encoded word in an unknown charset,
 * or one that decodes to a control character (`plainProblem` is the check plain text gets).
 */
export function checkEncodedWords(value: string, plainProblem: (s: string) => string | undefined): Decoded {
  const d = decodeEncodedWords(value);
  if ('error' in d || d.text === value) return d;
  const problem = plainProblem(d.text);
  return problem === undefined ? d : { error: `has an encoded word (RFC 2047) that ${problem.replace(/^contains/, 'decodes to')}` };
}
