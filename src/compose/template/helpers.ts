// The helpers SendGrid's dynamic templates offer besides Handlebars' own (if, unless, each,
// with, lookup), so that a template moved from SendGrid renders the same here. Comparison
// helpers are block helpers there ({{#equals a b}}yes{{else}}no{{/equals}}); used inline they
// return the boolean, which also makes them usable as subexpressions in {{#if (equals a b)}}.
import type { HelperDelegate, HelperOptions } from 'handlebars';

type Ctx = unknown;

function isOptions(v: unknown): v is HelperOptions {
  return typeof v === 'object' && v !== null && 'hash' in v && 'data' in v;
}

/** Splits helper arguments from the trailing options object Handlebars always passes. */
function split(args: readonly unknown[]): { values: unknown[]; options: HelperOptions | undefined } {
  const last = args[args.length - 1];
  return isOptions(last) ? { values: args.slice(0, -1), options: last } : { values: [...args], options: undefined };
}

/** A block helper renders its body or its {{else}}; inline it is a boolean. */
function decide(ctx: Ctx, options: HelperOptions | undefined, yes: boolean): unknown {
  if (options && typeof options.fn === 'function') return yes ? options.fn(ctx) : options.inverse(ctx);
  return yes;
}

const num = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN);

// SendGrid compares loosely: the data is JSON, where "42" and 42 are the same to the author.
const same = (a: unknown, b: unknown): boolean => a === b || (a !== null && b !== null && a !== undefined && b !== undefined && String(a) === String(b));

function comparison(test: (a: unknown, b: unknown) => boolean): HelperDelegate {
  return function (this: Ctx, ...args: unknown[]) {
    const { values, options } = split(args);
    return decide(this, options, test(values[0], values[1]));
  };
}

function logical(all: boolean): HelperDelegate {
  return function (this: Ctx, ...args: unknown[]) {
    const { values, options } = split(args);
    const truthy = values.map((v) => (Array.isArray(v) ? v.length > 0 : Boolean(v)));
    return decide(this, options, all ? truthy.every(Boolean) : truthy.some(Boolean));
  };
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const TOKENS = /YYYY|YY|MMMM|MMM|MM|M|DD|D|dddd|ddd|HH|H|hh|h|mm|m|ss|s|A|a|ZZ|Z/g;

/**
 * SendGrid's {{formatDate value "MMMM DD, YYYY" "-0800"}}: an ISO-8601 string or epoch
 * seconds/milliseconds, a moment-style format, an optional fixed UTC offset. A value that is
 * not a date renders as given, as SendGrid does.
 */
export function formatDate(value: unknown, format: string, offset?: string): string {
  const n = typeof value === 'number' ? (value < 1e11 ? value * 1000 : value) : typeof value === 'string' ? Date.parse(value) : NaN;
  if (!Number.isFinite(n)) return value === undefined || value === null ? '' : String(value);
  const m = typeof offset === 'string' ? /^([+-])(\d{2}):?(\d{2})$/.exec(offset) : null;
  const offsetMin = m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
  const d = new Date(n + offsetMin * 60_000);
  const pad = (v: number): string => String(v).padStart(2, '0');
  const h12 = d.getUTCHours() % 12 === 0 ? 12 : d.getUTCHours() % 12;
  const zone = `${offsetMin < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offsetMin) / 60))}${pad(Math.abs(offsetMin) % 60)}`;
  const parts: Record<string, string> = {
    YYYY: String(d.getUTCFullYear()),
    YY: String(d.getUTCFullYear()).slice(-2),
    MMMM: MONTHS[d.getUTCMonth()]!,
    MMM: MONTHS[d.getUTCMonth()]!.slice(0, 3),
    MM: pad(d.getUTCMonth() + 1),
    M: String(d.getUTCMonth() + 1),
    DD: pad(d.getUTCDate()),
    D: String(d.getUTCDate()),
    dddd: DAYS[d.getUTCDay()]!,
    ddd: DAYS[d.getUTCDay()]!.slice(0, 3),
    HH: pad(d.getUTCHours()),
    H: String(d.getUTCHours()),
    hh: pad(h12),
    h: String(h12),
    mm: pad(d.getUTCMinutes()),
    m: String(d.getUTCMinutes()),
    ss: pad(d.getUTCSeconds()),
    s: String(d.getUTCSeconds()),
    A: d.getUTCHours() < 12 ? 'AM' : 'PM',
    a: d.getUTCHours() < 12 ? 'am' : 'pm',
    ZZ: zone,
    Z: `${zone.slice(0, 3)}:${zone.slice(3)}`,
  };
  return format.replace(TOKENS, (t) => parts[t] ?? t);
}

export const SENDGRID_HELPERS: Readonly<Record<string, HelperDelegate>> = {
  equals: comparison(same),
  notEquals: comparison((a, b) => !same(a, b)),
  greaterThan: comparison((a, b) => num(a) > num(b)),
  lessThan: comparison((a, b) => num(a) < num(b)),
  and: logical(true),
  or: logical(false),
  length: (v: unknown) => (Array.isArray(v) || typeof v === 'string' ? v.length : 0),
  // {{insert name "default=Customer"}}: the value, or the default when it is missing or empty.
  insert: (...args: unknown[]) => {
    const { values } = split(args);
    const [value, spec] = values;
    if (value !== undefined && value !== null && value !== '') return value;
    return typeof spec === 'string' && spec.startsWith('default=') ? spec.slice('default='.length) : '';
  },
  formatDate: (...args: unknown[]) => {
    const { values } = split(args);
    const [value, format, offset] = values;
    return formatDate(value, typeof format === 'string' ? format : 'YYYY-MM-DD', typeof offset === 'string' ? offset : undefined);
  },
};
