// Webhook endpoint settings as the /v1/webhooks API takes them: checked here, all problems
// reported together, before anything is stored. Whether the URL's host may be reached at all
// (egress filter, DNS) is the caller's second step: it needs the network.
import { validationError, type FieldError } from '../errors.js';
import { EVENT_TYPES, type EventType } from '../events/types.js';
import { isAbsent, isRecord, unknownFieldErrors } from '../message/validate-shape.js';

export const WEBHOOK_FORMATS = ['native', 'sendgrid'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

export const DEFAULT_BATCH_SIZE = 100;
export const MAX_URL_LENGTH = 2048;
export const MAX_DESCRIPTION = 200;

export interface WebhookSettings {
  readonly url: string;
  readonly eventTypes: readonly EventType[];
  readonly format: WebhookFormat;
  readonly batchSize: number;
  readonly description: string;
  readonly enabled: boolean;
}

export interface WebhookPatchInput {
  readonly url?: string;
  readonly eventTypes?: readonly EventType[];
  readonly batchSize?: number;
  readonly description?: string;
  readonly enabled?: boolean;
  readonly rotateSecret?: boolean;
}

const CREATE_FIELDS = ['url', 'events', 'format', 'batch_size', 'description', 'enabled'] as const;
const PATCH_FIELDS = ['url', 'events', 'batch_size', 'description', 'enabled', 'rotate_secret'] as const;

/** An absolute http(s) URL without a fragment; the hostname lower-cased by the URL parser. */
export function checkWebhookUrl(input: unknown): { url?: string; error?: string } {
  if (typeof input !== 'string') return { error: 'must be a string' };
  if (input.length > MAX_URL_LENGTH) return { error: `longer than ${MAX_URL_LENGTH} characters` };
  if (/\s/.test(input)) return { error: 'must not contain whitespace' };
  let u: URL;
  try {
    u = new URL(input);
  } catch {
    return { error: 'is not an absolute URL' };
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return { error: 'must be an http or https URL' };
  if (u.hostname === '') return { error: 'has no host' };
  if (u.hash !== '') return { error: 'must not have a #fragment (it is never sent)' };
  return { url: u.toString() };
}

function parseEvents(input: unknown, errors: FieldError[]): EventType[] | undefined {
  if (!Array.isArray(input) || input.length === 0) {
    errors.push({ path: 'events', message: `must be a non-empty array of event types (${EVENT_TYPES.join(', ')})` });
    return undefined;
  }
  const out: EventType[] = [];
  input.forEach((t: unknown, i) => {
    if (typeof t !== 'string' || !(EVENT_TYPES as readonly string[]).includes(t)) {
      errors.push({ path: `events[${i}]`, message: `unknown event type (allowed: ${EVENT_TYPES.join(', ')})` });
    } else if (!out.includes(t as EventType)) out.push(t as EventType);
  });
  return out;
}

function parseBatch(input: unknown, maxBatch: number, errors: FieldError[]): number | undefined {
  if (typeof input !== 'number' || !Number.isInteger(input) || input < 1 || input > maxBatch) {
    errors.push({ path: 'batch_size', message: `must be an integer from 1 to ${maxBatch}` });
    return undefined;
  }
  return input;
}

function parseDescription(input: unknown, errors: FieldError[]): string | undefined {
  if (typeof input !== 'string' || input.length > MAX_DESCRIPTION || /[\x00-\x1f\x7f]/.test(input)) {
    errors.push({ path: 'description', message: `must be a string of at most ${MAX_DESCRIPTION} characters without control characters` });
    return undefined;
  }
  return input;
}

function parseBool(input: unknown, path: string, errors: FieldError[]): boolean | undefined {
  if (typeof input !== 'boolean') {
    errors.push({ path, message: 'must be true or false' });
    return undefined;
  }
  return input;
}

/** A create request; throws TX_ERR_BAD_REQUEST or TX_ERR_VALIDATION naming every bad field. */
export function parseWebhookCreate(body: unknown, maxBatch: number): WebhookSettings {
  if (!isRecord(body)) throw validationError([{ path: '', message: 'the request body must be a JSON object' }]);
  const errors = unknownFieldErrors(body, CREATE_FIELDS, '');
  const u = checkWebhookUrl(body['url']);
  if (u.error) errors.push({ path: 'url', message: isAbsent(body['url']) ? 'is required' : u.error });
  const eventTypes = isAbsent(body['events']) ? [...EVENT_TYPES] : parseEvents(body['events'], errors);
  let format: WebhookFormat = 'native';
  if (!isAbsent(body['format'])) {
    if ((WEBHOOK_FORMATS as readonly unknown[]).includes(body['format'])) format = body['format'] as WebhookFormat;
    else errors.push({ path: 'format', message: `must be one of ${WEBHOOK_FORMATS.join(', ')}` });
  }
  const batchSize = isAbsent(body['batch_size']) ? Math.min(DEFAULT_BATCH_SIZE, maxBatch) : parseBatch(body['batch_size'], maxBatch, errors);
  const description = isAbsent(body['description']) ? '' : parseDescription(body['description'], errors);
  const enabled = isAbsent(body['enabled']) ? true : parseBool(body['enabled'], 'enabled', errors);
  if (errors.length > 0 || !u.url || !eventTypes || batchSize === undefined || description === undefined || enabled === undefined) {
    throw validationError(errors);
  }
  return { url: u.url, eventTypes, format, batchSize, description, enabled };
}

/** A PATCH request: only the fields given change. The format cannot change (it decides the secret's kind). */
export function parseWebhookPatch(body: unknown, maxBatch: number): WebhookPatchInput {
  if (!isRecord(body)) throw validationError([{ path: '', message: 'the request body must be a JSON object' }]);
  const errors = unknownFieldErrors(body, PATCH_FIELDS, '');
  if ('format' in body) errors.splice(errors.findIndex((e) => e.path === 'format'), 1, { path: 'format', message: 'cannot change; create a new webhook instead' });
  const out: { -readonly [K in keyof WebhookPatchInput]: WebhookPatchInput[K] } = {};
  if (!isAbsent(body['url'])) {
    const u = checkWebhookUrl(body['url']);
    if (u.error) errors.push({ path: 'url', message: u.error });
    else out.url = u.url!;
  }
  if (!isAbsent(body['events'])) {
    const e = parseEvents(body['events'], errors);
    if (e) out.eventTypes = e;
  }
  if (!isAbsent(body['batch_size'])) {
    const b = parseBatch(body['batch_size'], maxBatch, errors);
    if (b !== undefined) out.batchSize = b;
  }
  if (!isAbsent(body['description'])) {
    const d = parseDescription(body['description'], errors);
    if (d !== undefined) out.description = d;
  }
  if (!isAbsent(body['enabled'])) {
    const e = parseBool(body['enabled'], 'enabled', errors);
    if (e !== undefined) out.enabled = e;
  }
  if (!isAbsent(body['rotate_secret'])) {
    const r = parseBool(body['rotate_secret'], 'rotate_secret', errors);
    if (r !== undefined) out.rotateSecret = r;
  }
  if (errors.length > 0) throw validationError(errors);
  return out;
}
