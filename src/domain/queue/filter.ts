// Which deliveries an operator means: the filters of the queue list and of actions on a filter,
// parsed from query strings or a JSON body. Unknown fields and bad values are refused by name.
import { validationError, type FieldError } from '../errors.js';
import { QUEUE_STATES, type QueueState } from './control.js';

export interface QueueFilter {
  readonly states?: readonly QueueState[];
  /** Recipient domain (the destination), lower-case. */
  readonly destination?: string;
  readonly tenantId?: string;
  readonly tag?: string;
  /** Substring of the recipient address, case-insensitive. */
  readonly recipient?: string;
  /** Substring of the envelope or header sender, case-insensitive. */
  readonly sender?: string;
  /** Accepted at least this long ago. */
  readonly olderThanMs?: number;
  /** Substring of the last SMTP reply or error, case-insensitive. */
  readonly reply?: string;
  readonly messageId?: string;
}

export const FILTER_FIELDS = ['state', 'destination', 'tenant', 'tag', 'recipient', 'sender', 'older_than', 'reply', 'message_id'] as const;

const UNITS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `15m`, `2h`, `7d` → milliseconds; undefined when malformed. */
export function parseDuration(v: string): number | undefined {
  const m = /^(\d{1,9})([smhd])$/.exec(v.trim());
  return m ? Number(m[1]) * UNITS[m[2]!]! : undefined;
}

/**
 * An absolute end of a hold: `until` (ISO-8601) or `for` (a duration) from now; null for none.
 * Pushes an error for a bad or past value.
 */
export function parseHoldEnd(body: Readonly<Record<string, unknown>>, now: number, errors: FieldError[]): number | null {
  const until = body['until'];
  const dur = body['for'];
  if (until !== undefined && dur !== undefined) {
    errors.push({ path: 'until', message: 'give either until or for, not both' });
    return null;
  }
  if (dur !== undefined) {
    const ms = typeof dur === 'string' ? parseDuration(dur) : undefined;
    if (ms === undefined || ms === 0) errors.push({ path: 'for', message: 'must be a duration like 90s, 15m, 2h or 7d' });
    return ms === undefined ? null : now + ms;
  }
  if (until !== undefined && until !== null) {
    const at = typeof until === 'string' ? Date.parse(until) : NaN;
    if (!Number.isFinite(at)) errors.push({ path: 'until', message: 'must be an ISO-8601 time' });
    else if (at <= now) errors.push({ path: 'until', message: 'must be in the future' });
    return Number.isFinite(at) ? at : null;
  }
  return null;
}

const TEXT_MAX = 320;

/** Reads a filter from a flat record (query string or a body's `filter`); unknown keys are refused. */
export function parseQueueFilter(src: Readonly<Record<string, unknown>>, pathPrefix = '', extraKeys: readonly string[] = []): QueueFilter {
  const errors: FieldError[] = [];
  const out: { -readonly [K in keyof QueueFilter]: QueueFilter[K] } = {};
  const text = (key: string): string | undefined => {
    const v = src[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v.length === 0 || v.length > TEXT_MAX || /[\x00-\x1f]/.test(v)) {
      errors.push({ path: pathPrefix + key, message: `must be a non-empty string of at most ${TEXT_MAX} characters` });
      return undefined;
    }
    return v;
  };
  for (const k of Object.keys(src)) {
    if (!(FILTER_FIELDS as readonly string[]).includes(k) && !extraKeys.includes(k)) {
      errors.push({ path: pathPrefix + k, message: `unknown filter (allowed: ${FILTER_FIELDS.join(', ')})` });
    }
  }
  const state = text('state');
  if (state !== undefined) {
    const list = state.split(',').map((s) => s.trim());
    const bad = list.filter((s) => !(QUEUE_STATES as readonly string[]).includes(s));
    if (bad.length > 0) errors.push({ path: pathPrefix + 'state', message: `unknown state ${bad.join(', ')} (allowed: ${QUEUE_STATES.join(', ')})` });
    else out.states = list as QueueState[];
  }
  const destination = text('destination');
  if (destination !== undefined) out.destination = destination.toLowerCase();
  const tenant = text('tenant');
  if (tenant !== undefined) out.tenantId = tenant;
  for (const [key, field] of [['tag', 'tag'], ['recipient', 'recipient'], ['sender', 'sender'], ['reply', 'reply'], ['message_id', 'messageId']] as const) {
    const v = text(key);
    if (v !== undefined) out[field] = v;
  }
  const older = text('older_than');
  if (older !== undefined) {
    const ms = parseDuration(older);
    if (ms === undefined) errors.push({ path: pathPrefix + 'older_than', message: 'must be a duration like 90s, 15m, 2h or 7d' });
    else out.olderThanMs = ms;
  }
  if (errors.length > 0) throw validationError(errors);
  return out;
}

export function isEmptyFilter(f: QueueFilter): boolean {
  return Object.keys(f).length === 0;
}
