// A bare mailbox `local@domain` (RFC 5321 §4.1.2 `Mailbox`, extended by RFC 6531 for UTF-8
// local parts). The result is what goes into RCPT TO and the headers: no comments, no
// folding whitespace, no obsolete syntax.
import type { Address } from '../message/types.js';
import { parseDomain } from './domain.js';
import { controlCharProblem, isAscii, utf8Length } from './text.js';

/** Why a string is not an acceptable address. A value, not an exception: callers collect them. */
export interface AddressError {
  readonly error: string;
}

export function isAddressError(value: Address | AddressError): value is AddressError {
  return 'error' in value;
}

export const MAX_LOCAL_OCTETS = 64;
/** RFC 5321 §4.5.3.1.3 allows a 256-octet path; minus the angle brackets that is 254. */
export const MAX_ADDRESS_OCTETS = 254;
// Far longer input is refused before any per-character work, so a megabyte "address" costs
// one comparison. Generous enough that a long address still gets its precise error.
const MAX_INPUT_CHARS = 1024;

// RFC 5322 atext plus the dot; non-ASCII is checked separately (RFC 6531 UTF8-non-ascii).
const ATEXT_OR_DOT = /[^A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.\u0080-\u{10ffff}]/u;
// Non-ASCII that is still not text: C1 controls, Unicode spaces and separators, lone
// surrogates. The ASCII space is left to the quoting rules below.
const NON_TEXT = /(?! )[\p{Cc}\p{Z}\p{Cs}]/u;

export function parseMailbox(input: string): Address | AddressError {
  if (input.length > MAX_INPUT_CHARS) return fail(`address longer than ${MAX_ADDRESS_OCTETS} octets`);
  const ctl = controlCharProblem(input);
  if (ctl !== undefined) return fail(ctl);
  const s = input.trim();
  if (s === '') return fail('address is empty');

  // The last @ splits: a quoted local part may itself contain @, a domain never does.
  const at = s.lastIndexOf('@');
  if (at < 0) return fail('missing @');
  // RFC 6531 §3.3: UTF-8 local parts compare as NFC, so store them that way.
  const local = s.slice(0, at).normalize('NFC');
  if (local === '') return fail('local part is empty (nothing before @)');
  if (at === s.length - 1) return fail('domain is empty (nothing after @)');

  const canonical = canonicalLocalPart(local);
  if ('error' in canonical) return canonical;
  const domain = parseDomain(s.slice(at + 1));
  if ('error' in domain) return domain;

  const address = `${canonical.local}@${domain.domain}`;
  if (utf8Length(address) > MAX_ADDRESS_OCTETS) return fail(`address longer than ${MAX_ADDRESS_OCTETS} octets`);
  return { address, smtputf8: !isAscii(local) };
}

/**
 * The local part in its one canonical spelling (RFC 5321 §4.1.2: quote only when needed), so
 * `"jane"@x` and `jane@x` are one address to suppression, events and delivery alike.
 */
function canonicalLocalPart(local: string): { readonly local: string } | AddressError {
  if (utf8Length(local) > MAX_LOCAL_OCTETS) return fail(`local part longer than ${MAX_LOCAL_OCTETS} octets`);
  if (NON_TEXT.test(local)) return fail('local part contains a non-printing Unicode character');
  if (local.startsWith('"')) return canonicalQuoted(local);
  if (local.includes('"')) {
    return fail((local.match(/"/g) ?? []).length % 2 === 1 ? 'local part has an unbalanced quote' : 'local part mixes quoted and unquoted text');
  }
  const problem = dotAtomProblem(local);
  return problem === undefined ? { local } : fail(problem);
}

function dotAtomProblem(local: string): string | undefined {
  if (local.startsWith('.')) return 'local part starts with a dot';
  if (local.endsWith('.')) return 'local part ends with a dot';
  if (local.includes('..')) return 'local part contains consecutive dots';
  const bad = ATEXT_OR_DOT.exec(local);
  if (bad === null) return undefined;
  if (bad[0] === ' ') return 'local part contains a space outside quotes';
  if (bad[0] === '@') return 'contains more than one @';
  return `local part contains an invalid character ${JSON.stringify(bad[0])}`;
}

// Text inside quotes that looks like an SMTP parameter after a space (` NOTIFY=`, ` ORCPT=`): a
// server that splits RCPT TO at spaces would take it for one.
const PARAMETER_LIKE = /\s[A-Za-z0-9-]+=/;

// RFC 5321 Quoted-string: any printable character, with `\` escaping the next one. Refused
// although RFC-valid: `<` and `>` (they end the path in MAIL/RCPT, and nodemailer, our SMTP
// client, refuses them: such a recipient could never be sent) and parameter-like text.
function canonicalQuoted(local: string): { readonly local: string } | AddressError {
  if (local.length < 2 || !local.endsWith('"')) return fail('local part has an unbalanced quote');
  const inner = local.slice(1, -1);
  if (inner === '') return fail('local part is an empty quoted string');
  let raw = '';
  for (let i = 0; i < inner.length; i++) {
    let c = inner[i]!;
    // A backslash as the last inner character escapes the closing quote: it is then unbalanced.
    if (c === '\\') {
      i++;
      if (i >= inner.length) return fail('local part has an unbalanced quote');
      c = inner[i]!;
    } else if (c === '"') return fail('local part has an unbalanced quote');
    raw += c;
  }
  if (/[<>]/.test(raw)) return fail('quoted local part contains "<" or ">", which cannot be sent in an SMTP command');
  if (PARAMETER_LIKE.test(raw)) return fail('quoted local part contains a space followed by NAME=, which reads as an SMTP command parameter');
  // Quotes that are not needed go, and only `"` and `\` stay escaped.
  return { local: dotAtomProblem(raw) === undefined ? raw : `"${raw.replace(/["\\]/g, (ch) => `\\${ch}`)}"` };
}

function fail(error: string): AddressError {
  return { error };
}
