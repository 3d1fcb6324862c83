// POST /v1/webhooks/:id/replay: resend the events after a cursor, or those of a time range.
import { validationError, type FieldError } from '../errors.js';
import { isAbsent, isRecord, unknownFieldErrors } from '../message/validate-shape.js';

/**
 * Event times grow with the feed only roughly (a transaction stamps its events when it starts,
 * and commits in its own time): a replay by time starts reading this much earlier and reads this
 * much past its end, keeping only events inside the range.
 */
export const REPLAY_TIME_SLACK_MS = 10 * 60_000;

export interface ReplayRequest {
  /** Resend events after this feed cursor. */
  readonly after?: string;
  readonly fromAt: number | null;
  readonly toAt: number | null;
}

const CURSOR = /^[0-9A-Za-z._:-]{1,64}$/;
const FIELDS = ['after', 'from', 'to'];

function parseTime(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 1e11) return v * 1000;
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v)) {
    const t = Date.parse(v);
    return Number.isFinite(t) ? t : undefined;
  }
  return undefined;
}

export function parseReplayRequest(body: unknown, now: number): ReplayRequest {
  const b = isAbsent(body) ? {} : body;
  if (!isRecord(b)) throw validationError([{ path: '', message: 'the request body must be a JSON object' }]);
  const errors: FieldError[] = unknownFieldErrors(b, FIELDS, '');
  let after: string | undefined;
  if (!isAbsent(b['after'])) {
    if (typeof b['after'] === 'string' && CURSOR.test(b['after'])) after = b['after'];
    else errors.push({ path: 'after', message: 'is not a cursor returned by this API (next_cursor of /v1/events)' });
  }
  const time = (name: 'from' | 'to'): number | null => {
    if (isAbsent(b[name])) return null;
    const t = parseTime(b[name]);
    if (t === undefined) errors.push({ path: name, message: 'must be an ISO 8601 time or Unix seconds' });
    return t ?? null;
  };
  const fromAt = time('from');
  const toAt = time('to');
  if (after === undefined && fromAt === null && errors.length === 0) errors.push({ path: 'after', message: 'give a cursor (after) or a time range (from, to)' });
  if (fromAt !== null && toAt !== null && fromAt > toAt) errors.push({ path: 'from', message: 'must not be after to' });
  if (fromAt !== null && fromAt > now) errors.push({ path: 'from', message: 'is in the future' });
  if (errors.length > 0) throw validationError(errors);
  return { ...(after !== undefined ? { after } : {}), fromAt, toAt };
}
