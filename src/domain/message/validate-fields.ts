// Field rules shared by every JSON API: subject, body parts, tags, metadata, scheduling and
// the two request-wide limits. Each returns its value plus the errors at its path, so the
// caller can collect every problem in one pass.
import { TxError, type FieldError } from '../errors.js';
import { checkEncodedWords } from '../address/encoded-words.js';
import { codePointLength, controlCharProblem, utf8Length } from '../address/text.js';
import type { Header } from './types.js';
import { childPath, indexPath, isAbsent, isRecord } from './validate-shape.js';

export interface Checked<T> {
  readonly value: T;
  readonly errors: FieldError[];
}

export const MAX_SUBJECT = 998;
export const MAX_TAGS = 10;
export const MAX_TAG = 128;
export const MAX_METADATA_KEYS = 50;
export const MAX_METADATA_KEY = 128;
export const MAX_METADATA_BYTES = 10 * 1024;

/** Required; stored trimmed, since edge whitespace in a subject is never meant. */
export function parseSubject(input: unknown, path: string): Checked<string> {
  const fail = (message: string): Checked<string> => ({ value: '', errors: [{ path, message }] });
  if (isAbsent(input)) return fail('is required');
  if (typeof input !== 'string') return fail('must be a string');
  const ctl = controlCharProblem(input, true);
  if (ctl !== undefined) return fail(ctl);
  // A pre-encoded subject is checked (and kept) as the text a mail client will show.
  const decoded = checkEncodedWords(input, (s) => controlCharProblem(s, true));
  if ('error' in decoded) return fail(decoded.error);
  const subject = decoded.text.trim();
  if (subject === '') return fail('must not be empty');
  if (codePointLength(subject) > MAX_SUBJECT) return fail(`longer than ${MAX_SUBJECT} characters`);
  return { value: subject, errors: [] };
}

export interface BodyParts {
  readonly text?: string;
  readonly html?: string;
}

/** Text and HTML are each optional, but a message with neither has nothing to send. */
export function parseBodyParts(text: unknown, html: unknown, paths: { text: string; html: string }): Checked<BodyParts> {
  const errors: FieldError[] = [];
  const part = (v: unknown, path: string): string | undefined => {
    if (isAbsent(v)) return undefined;
    if (typeof v !== 'string') {
      errors.push({ path, message: 'must be a string' });
      return undefined;
    }
    return v === '' ? undefined : v;
  };
  const t = part(text, paths.text);
  const h = part(html, paths.html);
  if (errors.length === 0 && t === undefined && h === undefined) {
    errors.push({ path: paths.text, message: `empty content: provide ${paths.text} or ${paths.html}` });
  }
  return { value: { ...(t === undefined ? {} : { text: t }), ...(h === undefined ? {} : { html: h }) }, errors };
}

export function parseTags(input: unknown, path: string): Checked<string[]> {
  if (isAbsent(input)) return { value: [], errors: [] };
  if (!Array.isArray(input)) return { value: [], errors: [{ path, message: 'must be an array of strings' }] };
  if (input.length > MAX_TAGS) return { value: [], errors: [{ path, message: `more than ${MAX_TAGS} tags (${input.length})` }] };
  const errors: FieldError[] = [];
  const tags: string[] = [];
  input.forEach((tag: unknown, i) => {
    const problem =
      typeof tag !== 'string'
        ? 'must be a string'
        : tag === ''
          ? 'must not be empty'
          : (controlCharProblem(tag) ?? (codePointLength(tag) > MAX_TAG ? `longer than ${MAX_TAG} characters` : undefined));
    if (problem !== undefined) errors.push({ path: indexPath(path, i), message: problem });
    else if (typeof tag === 'string') tags.push(tag);
  });
  return { value: tags, errors };
}

export function parseMetadata(input: unknown, path: string): Checked<Record<string, string>> {
  const fail = (message: string): Checked<Record<string, string>> => ({ value: {}, errors: [{ path, message }] });
  if (isAbsent(input)) return { value: {}, errors: [] };
  if (!isRecord(input)) return fail('must be an object of string values');
  const entries = Object.entries(input);
  if (entries.length > MAX_METADATA_KEYS) return fail(`more than ${MAX_METADATA_KEYS} keys (${entries.length})`);
  const errors: FieldError[] = [];
  const kept: [string, string][] = [];
  let bytes = 0;
  for (const [key, value] of entries) {
    const keyProblem =
      key === ''
        ? 'key must not be empty'
        : codePointLength(key) > MAX_METADATA_KEY
          ? `key longer than ${MAX_METADATA_KEY} characters`
          : controlCharProblem(key);
    const problem = keyProblem ?? (typeof value === 'string' ? undefined : 'must be a string');
    if (problem !== undefined) errors.push({ path: childPath(path, key), message: problem });
    else if (typeof value === 'string') {
      kept.push([key, value]);
      bytes += utf8Length(key) + utf8Length(value);
    }
  }
  if (bytes > MAX_METADATA_BYTES) errors.push({ path, message: `larger than 10 KB (${bytes} bytes of keys and values)` });
  // fromEntries defines keys as own data properties, so "__proto__" stays a plain key.
  return { value: Object.fromEntries(kept), errors };
}

// Extended ISO-8601 / RFC 3339 date-time; the zone is required because "09:00" in whose time
// zone is exactly the ambiguity that sends a reminder at the wrong hour.
const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?$/i;

/**
 * Epoch ms from an ISO-8601 string with a zone or a unix-seconds number. A time in the past
 * means "now" (value undefined); more than `maxAheadMs` after `now` is an error.
 */
export function parseSendAt(input: unknown, now: number, maxAheadMs: number, path: string): Checked<number | undefined> {
  const fail = (message: string): Checked<number | undefined> => ({ value: undefined, errors: [{ path, message }] });
  if (isAbsent(input)) return { value: undefined, errors: [] };
  let at: number;
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) return fail('must be a non-negative number of unix seconds');
    at = Math.round(input * 1000);
  } else if (typeof input === 'string') {
    const parsed = parseIsoTimestamp(input);
    if (typeof parsed === 'string') return fail(parsed);
    at = parsed;
  } else {
    return fail('must be an ISO-8601 timestamp string or a number of unix seconds');
  }
  if (at <= now) return { value: undefined, errors: [] };
  if (at - now > maxAheadMs) {
    // Milliseconds passed as seconds land tens of thousands of years ahead: say so.
    const hint = typeof input === 'number' && input > 1e11 ? ' (send_at is in seconds, not milliseconds)' : '';
    return fail(`is more than ${formatDuration(maxAheadMs)} in the future${hint}`);
  }
  return { value: at, errors: [] };
}

/** Epoch ms, or why the string is not an ISO-8601 date-time with a zone. */
export function parseIsoTimestamp(s: string): number | string {
  const m = ISO.exec(s);
  if (!m) return 'must be an ISO-8601 timestamp like 2025-01-31T09:00:00Z, or unix seconds';
  const [, y, mo, d, h, mi, sec, frac, zone] = m;
  if (zone === undefined) return 'has no time zone: add Z or an offset like +02:00';
  const n = (v: string | undefined): number => (v === undefined ? 0 : Number(v));
  const year = n(y);
  const month = n(mo);
  // Day 0 of the next month is the last day of this one; Date.UTC is pure arithmetic.
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || n(d) < 1 || n(d) > daysInMonth) return 'is not a real calendar date';
  if (n(h) > 23 || n(mi) > 59 || n(sec) > 59) return 'is not a real time of day';
  let offsetMin = 0;
  if (zone.toUpperCase() !== 'Z') {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    if (oh > 23 || om > 59) return 'has an invalid time-zone offset';
    offsetMin = (zone.startsWith('-') ? -1 : 1) * (oh * 60 + om);
  }
  // Milliseconds are the precision we keep; digits beyond them are dropped, not rounded.
  const ms = frac === undefined ? 0 : Number(frac.padEnd(3, '0').slice(0, 3));
  return Date.UTC(year, month - 1, n(d), n(h), n(mi), n(sec), ms) - offsetMin * 60_000;
}

function formatDuration(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
    [1000, 'second'],
  ];
  for (const [size, unit] of units) {
    if (ms >= size && ms % size === 0) return `${ms / size} ${unit}${ms === size ? '' : 's'}`;
  }
  return `${ms} ms`;
}

/** Throws TX_ERR_TOO_MANY_RECIPIENTS; counted before parsing so a huge list costs nothing. */
export function assertRecipientLimit(count: number, maxRecipients: number): void {
  if (count > maxRecipients) {
    throw new TxError('TX_ERR_TOO_MANY_RECIPIENTS', `${count} recipients; the limit is ${maxRecipients} per message (to, cc and bcc together)`);
  }
}

export interface SizeParts {
  readonly subject?: string | undefined;
  readonly text?: string | undefined;
  readonly html?: string | undefined;
  readonly headers?: readonly Header[] | undefined;
  /** Decoded attachment bytes; base64 on the wire makes them 4/3 as large. */
  readonly attachmentBytes: number;
}

/** A lower bound of the encoded message size: what surely goes on the wire. */
export function estimateEncodedSize(p: SizeParts): number {
  const str = (s: string | undefined): number => (s === undefined ? 0 : utf8Length(s));
  const headers = (p.headers ?? []).reduce((sum, h) => sum + utf8Length(h.name) + utf8Length(h.value) + 4, 0);
  return str(p.subject) + str(p.text) + str(p.html) + headers + Math.ceil((p.attachmentBytes * 4) / 3);
}

/** Throws TX_ERR_TOO_LARGE naming the limit. */
export function assertSizeLimit(estimatedBytes: number, maxMessageBytes: number): void {
  if (estimatedBytes > maxMessageBytes) {
    throw new TxError('TX_ERR_TOO_LARGE', `the message is about ${estimatedBytes} bytes encoded; the limit is ${maxMessageBytes} bytes`);
  }
}
