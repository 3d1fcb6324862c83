// Addresses as JSON fields: a string in any form parseAddress takes, or `{email, name?}`
// (the native and SendGrid shape). Errors carry the field path so the caller sees which
// recipient of which list is wrong.
import type { FieldError } from '../errors.js';
import type { Address } from '../message/types.js';
import { childPath, indexPath, isAbsent, isRecord, unknownFieldErrors } from '../message/validate-shape.js';
import { checkDisplayName, parseAddress } from './display.js';
import { isAddressError, parseMailbox } from './mailbox.js';

export interface AddressFieldResult {
  readonly address: Address | undefined;
  readonly errors: FieldError[];
}

export interface AddressListResult {
  readonly addresses: Address[];
  readonly errors: FieldError[];
}

const OBJECT_KEYS = ['email', 'name'] as const;

/** One address: `"Name" <a@b.com>` or `{email, name?}`. A missing value is the caller's call. */
export function parseAddressField(input: unknown, path: string): AddressFieldResult {
  if (typeof input === 'string') {
    const r = parseAddress(input);
    return isAddressError(r) ? failed(path, r.error) : { address: r, errors: [] };
  }
  if (isRecord(input)) return parseAddressObject(input, path);
  return failed(path, 'must be an address string or an object {email, name}');
}

/** One address or an array of them; absent or null is an empty list. */
export function parseAddressList(input: unknown, path: string): AddressListResult {
  if (isAbsent(input)) return { addresses: [], errors: [] };
  const items = Array.isArray(input) ? input : [input];
  const addresses: Address[] = [];
  const errors: FieldError[] = [];
  items.forEach((item: unknown, i) => {
    const r = parseAddressField(item, Array.isArray(input) ? indexPath(path, i) : path);
    if (r.address !== undefined) addresses.push(r.address);
    errors.push(...r.errors);
  });
  return { addresses, errors };
}

/** How many addresses a raw list value holds, without parsing them (for early limit checks). */
export function countAddresses(input: unknown): number {
  if (isAbsent(input)) return 0;
  return Array.isArray(input) ? input.length : 1;
}

function parseAddressObject(o: Record<string, unknown>, path: string): AddressFieldResult {
  const errors = unknownFieldErrors(o, OBJECT_KEYS, path);
  const emailPath = childPath(path, 'email');
  let mailbox: Address | undefined;
  const email = o['email'];
  if (isAbsent(email)) errors.push({ path: emailPath, message: 'is required' });
  else if (typeof email !== 'string') errors.push({ path: emailPath, message: 'must be a string' });
  else if (/[<>]/.test(email)) {
    errors.push({ path: emailPath, message: 'must be a bare address like a@example.com; put the display name in "name"' });
  } else {
    const r = parseMailbox(email);
    if (isAddressError(r)) errors.push({ path: emailPath, message: r.error });
    else mailbox = r;
  }

  let name: string | undefined;
  const rawName = o['name'];
  if (!isAbsent(rawName)) {
    const namePath = childPath(path, 'name');
    if (typeof rawName !== 'string') errors.push({ path: namePath, message: 'must be a string' });
    else {
      const r = checkDisplayName(rawName, mailbox?.address ?? '');
      if (typeof r === 'object') errors.push({ path: namePath, message: r.error });
      else name = r;
    }
  }
  if (errors.length > 0 || mailbox === undefined) return { address: undefined, errors };
  return { address: name === undefined ? mailbox : { ...mailbox, name }, errors };
}

function failed(path: string, message: string): AddressFieldResult {
  return { address: undefined, errors: [{ path, message }] };
}
