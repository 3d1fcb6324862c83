// Encoded words (RFC 2047) in the headers of a finished message (SMTP submission, SES Raw):
// held to the rule the JSON APIs apply (encoded-words.ts): what a mail client decodes must not
// hold CR, LF or other control characters, or it shows a forged line such as "Bcc: ...".
import { checkEncodedWords } from '../address/encoded-words.js';
import { controlCharProblem } from '../address/text.js';
import type { FieldError } from '../errors.js';

/** Header fields whose encoded words a client decodes for display (RFC 2047 §5). */
const DISPLAYED = ['subject', 'from', 'to', 'cc', 'reply-to', 'sender', 'comments', 'keywords'];

/** Field errors (path = the header's name) for `lines`, the unfolded header lines. */
export function rawEncodedWordErrors(lines: readonly string[]): FieldError[] {
  const errors: FieldError[] = [];
  for (const line of lines) {
    if (!line.includes('=?')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    if (!DISPLAYED.includes(name.toLowerCase())) continue;
    const value = Buffer.from(line.slice(colon + 1), 'latin1').toString('utf8');
    const decoded = checkEncodedWords(value, (s) => controlCharProblem(s, true));
    if ('error' in decoded) errors.push({ path: name, message: decoded.error });
  }
  return errors;
}
