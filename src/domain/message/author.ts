// Who a finished message says it is from: its From and Sender header fields, read the way a
// mail reader shows them. RFC 5322 §3.6 allows exactly one From field; §3.6.2 a From with more
// than one mailbox needs a Sender. We accept only the unambiguous shape (one From field with
// one address, at most one Sender with one address), so what the recipient sees is exactly
// what the sender-domain check judged.
import { isAddressError, parseAddress, splitAddressList } from '../address/index.js';
import type { FieldError } from '../errors.js';
import { domainOf, type Address } from './types.js';

export interface MessageAuthor {
  readonly from: Address | undefined;
  readonly sender: Address | undefined;
  readonly errors: FieldError[];
}

// `From :` (white space before the colon, RFC 5322 §4.5.3 obsolete syntax) is still a From
// field to a lenient reader, so it counts.
const fieldName = (line: string): string | undefined => /^([!-9;-~]+)[ \t]*:/.exec(line)?.[1]?.toLowerCase();

function one(name: string, values: readonly string[], errors: FieldError[]): Address | undefined {
  if (values.length > 1) {
    errors.push({ path: name, message: `the message has ${values.length} ${name} header fields; exactly one is allowed (RFC 5322 section 3.6)` });
    return undefined;
  }
  const value = values[0]!.trim();
  const pieces = splitAddressList(value);
  if (pieces.length !== 1) {
    errors.push({
      path: name,
      message: pieces.length === 0 ? `the ${name} header is empty` : `the ${name} header names ${pieces.length} addresses; exactly one is accepted`,
    });
    return undefined;
  }
  const a = parseAddress(pieces[0]!);
  if (isAddressError(a)) {
    errors.push({ path: name, message: `the ${name} header cannot be read as one address: ${a.error}` });
    return undefined;
  }
  return a;
}

/** From and Sender of a header block (unfolded lines, values as written). */
export function messageAuthor(headerLines: readonly string[]): MessageAuthor {
  const values = { from: [] as string[], sender: [] as string[] };
  for (const line of headerLines) {
    const name = fieldName(line);
    if (name !== 'from' && name !== 'sender') continue;
    values[name].push(Buffer.from(line.slice(line.indexOf(':') + 1), 'latin1').toString('utf8'));
  }
  const errors: FieldError[] = [];
  if (values.from.length === 0) errors.push({ path: 'From', message: 'the message has no From header' });
  const from = values.from.length === 0 ? undefined : one('From', values.from, errors);
  const sender = values.sender.length === 0 ? undefined : one('Sender', values.sender, errors);
  return { from, sender, errors };
}

/** The domains a message claims to be from, each with the field that names it. */
export function authorDomains(a: MessageAuthor): Array<{ path: string; domain: string }> {
  const out: Array<{ path: string; domain: string }> = [];
  if (a.from) out.push({ path: 'From', domain: domainOf(a.from.address) });
  if (a.sender) out.push({ path: 'Sender', domain: domainOf(a.sender.address) });
  return out;
}
