// The string forms a caller may write for one address: `a@b.com`, `Name <a@b.com>` and
// `"Name" <a@b.com>`. nodemailer's addressparser decodes the display name (quotes, escapes,
// comments), but it is lenient by design: it turns `Name <a@b.com> junk` into a name and
// accepts a missing `>`. So the structure is checked here first, and the parser's answer must
// agree with it.
import addressparser from 'nodemailer/lib/addressparser';
import type { Address } from '../message/types.js';
import { type AddressError, isAddressError, parseMailbox } from './mailbox.js';
import { checkEncodedWords } from './encoded-words.js';
import { codePointLength, controlCharProblem } from './text.js';

export const MAX_DISPLAY_NAME = 256;
const MUST_QUOTE = 'display name contains characters that must be quoted (like : ; @ ,)';
// A display name of 256 characters, fully escaped, plus the longest address.
const MAX_FIELD_CHARS = 2 * MAX_DISPLAY_NAME + 1024;

export function parseAddress(input: string): Address | AddressError {
  if (input.length > MAX_FIELD_CHARS) return fail(`longer than ${MAX_FIELD_CHARS} characters`);
  const ctl = controlCharProblem(input);
  if (ctl !== undefined) return fail(ctl);
  const s = input.trim();
  if (s === '') return fail('address is empty');

  const shape = scan(s);
  if ('error' in shape) return shape;
  if (shape.commas > 0) {
    return fail('contains more than one address (use a list, or quote a display name that contains a comma)');
  }
  if (shape.lt < 0 && shape.gt < 0) return parseMailbox(s);
  if (shape.gt < 0) return fail('missing closing ">"');
  if (shape.lt < 0 || shape.gt < shape.lt) return fail('has ">" without a matching "<"');
  if (shape.gt !== s.length - 1) return fail('has text after the closing ">"');

  const inner = s.slice(shape.lt + 1, shape.gt).trim();
  if (inner === '') return fail('address between "<" and ">" is empty');
  const mailbox = parseMailbox(inner);
  if (isAddressError(mailbox)) return mailbox;
  const display = s.slice(0, shape.lt).trim();
  if (display === '') return mailbox;
  // RFC 5322 §3.2.3: these specials need quotes. An unquoted `a@b.com <c@d.com>` is the
  // classic spoof (the name shows one address, mail goes to another), so it is refused.
  if (/[@:;[\]\\]/.test(display.replace(/"(?:[^"\\]|\\.)*"/g, ''))) return fail(MUST_QUOTE);

  const parsed = addressparser(s);
  const only = parsed[0];
  if (parsed.length !== 1 || only === undefined || only.group !== undefined || only.address !== inner) {
    return fail(MUST_QUOTE);
  }
  const name = checkDisplayName(only.name, mailbox.address);
  if (typeof name === 'object') return name;
  return name === undefined ? mailbox : { ...mailbox, name };
}

/**
 * A display name as stored: encoded words decoded, trimmed, and undefined when nothing is left.
 * Any Unicode is fine (the composer encodes it, RFC 2047); control characters are not, above
 * all CR and LF, nor is a name that shows an address other than `address` (see below).
 */
export function checkDisplayName(raw: string, address: string): string | undefined | AddressError {
  const ctl = controlCharProblem(raw);
  if (ctl !== undefined) return fail(`display name ${ctl}`);
  const decoded = checkEncodedWords(raw, (s) => controlCharProblem(s));
  if ('error' in decoded) return fail(`display name ${decoded.error}`);
  const name = decoded.text.trim();
  if (name === '') return undefined;
  if (codePointLength(name) > MAX_DISPLAY_NAME) return fail(`display name longer than ${MAX_DISPLAY_NAME} characters`);
  const shown = spoofedAddress(name, address);
  if (shown !== undefined) return fail(`display name shows the address "${shown}", which is not the mailbox's own; a name may show only its own address`);
  return name;
}

// Mail clients show the display name and hide the address; a name like "ceo@bank.example" on
// another mailbox is the classic spoof. Gmail reveals the real address in that case; we refuse
// it: a name may contain its own address, or an "@" that is not an address ("Tea @ Five").
const ADDRESS_LIKE = /[^\s<>"'(),;:@]+@[^\s<>"'(),;:@]+\.[^\s<>"'(),;:@]+/g;

function spoofedAddress(name: string, address: string): string | undefined {
  if (!name.includes('@')) return undefined;
  const own = address.toLowerCase();
  return [...name.matchAll(ADDRESS_LIKE)].map((m) => m[0]).find((a) => a.toLowerCase() !== own);
}

/**
 * Splits a header-style list (`a@b.com, "Doe, J" <j@x.com>`) at the commas that separate
 * addresses, for the APIs that take one string (Postmark). Each piece goes to parseAddress.
 */
export function splitAddressList(input: string): string[] {
  const pieces: string[] = [];
  let start = 0;
  let inQuote = false;
  let inAngle = false;
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (inQuote) {
      if (c === '\\') i++;
      else if (c === '"') inQuote = false;
    } else if (c === '"') inQuote = true;
    else if (c === '<') inAngle = true;
    else if (c === '>') inAngle = false;
    else if (c === ',' && !inAngle) {
      pieces.push(input.slice(start, i));
      start = i + 1;
    }
  }
  pieces.push(input.slice(start));
  // Empty pieces come from a trailing comma or ", ,": harmless in a header, so skipped.
  return pieces.map((p) => p.trim()).filter((p) => p !== '');
}

interface Shape {
  /** Index of the `<` outside quotes, or -1. */
  readonly lt: number;
  readonly gt: number;
  /** Commas outside quotes and angle brackets, i.e. address separators. */
  readonly commas: number;
}

function scan(s: string): Shape | AddressError {
  let inQuote = false;
  let lt = -1;
  let gt = -1;
  let commas = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inQuote) {
      if (c === '\\') i++;
      else if (c === '"') inQuote = false;
    } else if (c === '"') inQuote = true;
    else if (c === '<') {
      if (lt >= 0) return fail('contains more than one "<"');
      lt = i;
    } else if (c === '>') {
      if (gt >= 0) return fail('contains more than one ">"');
      gt = i;
    } else if (c === ',' && (lt < 0 || gt >= 0)) commas++;
  }
  if (inQuote) return fail('has an unbalanced quote');
  return { lt, gt, commas };
}

function fail(error: string): AddressError {
  return { error };
}
