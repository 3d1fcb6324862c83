// The native /v1 send request (snake_case JSON) to a SendRequest. Cheap request-wide limits
// run first, on the raw body, so an oversized request is refused before any per-field work;
// then every field is checked and ALL problems are reported together.
import { TxError, validationError, type FieldError } from '../errors.js';
import { countAddresses, parseAddressField, parseAddressList } from '../address/field.js';
import { checkHeaders } from './headers.js';
import type { Address, Content, SendRequest } from './types.js';
import type { TemplateUse } from '../templates/types.js';
import { NATIVE_TEMPLATE_FIELDS, parseNativeTemplateUse } from '../templates/validate.js';
import { parseAttachments } from './validate-attachments.js';
import {
  type BodyParts,
  assertRecipientLimit,
  assertSizeLimit,
  estimateEncodedSize,
  parseBodyParts,
  parseMetadata,
  parseSendAt,
  parseSubject,
  parseTags,
} from './validate-fields.js';
import { isAbsent, isRecord, unknownFieldErrors } from './validate-shape.js';
import { parseTracking } from './validate-tracking.js';

// The pieces, for the compatibility APIs (SendGrid, SES, Postmark) that spell the fields
// differently but must apply the same rules.
export { countAddresses, parseAddressField, parseAddressList } from '../address/field.js';
export { checkHeaderList, checkHeaders } from './headers.js';
export { type AttachmentKeys, NATIVE_ATTACHMENT_KEYS, parseAttachment, parseAttachments } from './validate-attachments.js';
export {
  assertRecipientLimit,
  assertSizeLimit,
  estimateEncodedSize,
  parseBodyParts,
  parseMetadata,
  parseSendAt,
  parseSubject,
  parseTags,
} from './validate-fields.js';

export interface SendLimits {
  readonly maxRecipients: number;
  /** Most recipients of one request over all its messages (batch-like ingress); unbounded beyond maxRecipients when absent. */
  readonly maxRequestRecipients?: number;
  readonly maxMessageBytes: number;
  readonly maxScheduleAheadMs: number;
}

export const NATIVE_FIELDS = [
  'from',
  'to',
  'cc',
  'bcc',
  'reply_to',
  'subject',
  'text',
  'html',
  'headers',
  'attachments',
  'tags',
  'metadata',
  'send_at',
  'bulk',
  ...NATIVE_TEMPLATE_FIELDS,
  'tracking',
] as const;

/** A native request; `template` is set when it names a stored template (then content has no subject or body yet). */
export type NativeSendRequest = SendRequest & { readonly template?: TemplateUse };

/** Throws TxError: BAD_REQUEST, TOO_MANY_RECIPIENTS, TOO_LARGE or VALIDATION (every field). */
export function parseSendRequest(body: unknown, limits: SendLimits, now: number): NativeSendRequest {
  if (!isRecord(body)) throw new TxError('TX_ERR_BAD_REQUEST', 'The request body must be a JSON object');
  const recipientCount = countAddresses(body['to']) + countAddresses(body['cc']) + countAddresses(body['bcc']);
  assertRecipientLimit(recipientCount, limits.maxRecipients);
  assertSizeLimit(estimateRawSize(body), limits.maxMessageBytes);

  // Unknown fields first: a misspelt "Subject" explains the "subject is required" after it.
  const errors: FieldError[] = unknownFieldErrors(body, NATIVE_FIELDS, '');
  const collect = <T>(r: { errors: FieldError[] } & T): T => {
    errors.push(...r.errors);
    return r;
  };

  let from: Address | undefined;
  if (isAbsent(body['from'])) errors.push({ path: 'from', message: 'is required' });
  else from = collect(parseAddressField(body['from'], 'from')).address;
  const to = collect(parseAddressList(body['to'], 'to')).addresses;
  const cc = collect(parseAddressList(body['cc'], 'cc')).addresses;
  const bcc = collect(parseAddressList(body['bcc'], 'bcc')).addresses;
  if (recipientCount === 0) errors.push({ path: 'to', message: 'no recipients: provide at least one address in to, cc or bcc' });
  const replyTo = collect(parseAddressList(body['reply_to'], 'reply_to')).addresses;

  // With a template, subject and body come from it; giving them too is a contradiction.
  const templated = !isAbsent(body['template_id']);
  let subject = '';
  let parts: BodyParts = {};
  if (templated) {
    for (const f of ['subject', 'text', 'html']) if (!isAbsent(body[f])) errors.push({ path: f, message: 'comes from the template; remove it or template_id' });
  } else {
    subject = collect(parseSubject(body['subject'], 'subject')).value;
    parts = collect(parseBodyParts(body['text'], body['html'], { text: 'text', html: 'html' })).value;
  }
  // Only requests that use templates pay for looking at template fields.
  const template = NATIVE_TEMPLATE_FIELDS.some((f) => body[f] !== undefined)
    ? collect(parseNativeTemplateUse(body, [...to, ...cc, ...bcc].map((a) => a.address))).value
    : undefined;
  const headers = collect(checkHeaders(body['headers'], 'headers')).headers;
  const attachments = collect(parseAttachments(body['attachments'], 'attachments')).attachments;
  const tags = collect(parseTags(body['tags'], 'tags')).value;
  const metadata = collect(parseMetadata(body['metadata'], 'metadata')).value;
  const sendAt = collect(parseSendAt(body['send_at'], now, limits.maxScheduleAheadMs, 'send_at')).value;
  const bulk = body['bulk'];
  if (!isAbsent(bulk) && typeof bulk !== 'boolean') errors.push({ path: 'bulk', message: 'must be true or false' });

  const tracking = collect(parseTracking(body['tracking'], 'tracking')).value;

  if (errors.length > 0 || from === undefined) throw validationError(errors);
  // Bulk mail is marked the way every ingress can: `Precedence: bulk` (unless the caller set a
  // Precedence of its own). Delivery adds List-Unsubscribe to such messages (RFC 8058).
  if (bulk === true && !headers.some((h) => h.name.toLowerCase() === 'precedence')) headers.push({ name: 'Precedence', value: 'bulk' });
  const content: Content = { kind: 'parts', subject, ...parts, headers, attachments, replyTo };
  return {
    from,
    to,
    cc,
    bcc,
    content,
    tags,
    metadata,
    ...(sendAt === undefined ? {} : { sendAt }),
    ...(template ? { template } : {}),
    ...(tracking ? { tracking } : {}),
  };
}

// Counts only well-typed pieces: a base64 string's length already is its encoded size, so
// nothing is decoded before the limit is known to hold.
function estimateRawSize(body: Record<string, unknown>): number {
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  let base64Chars = 0;
  const attachments = body['attachments'];
  if (Array.isArray(attachments)) {
    for (const a of attachments) if (isRecord(a)) base64Chars += str(a['content'])?.length ?? 0;
  }
  const headerMap = body['headers'];
  const headers = isRecord(headerMap)
    ? Object.entries(headerMap).flatMap(([name, value]) => (typeof value === 'string' ? [{ name, value }] : []))
    : [];
  return estimateEncodedSize({
    subject: str(body['subject']),
    text: str(body['text']),
    html: str(body['html']),
    headers,
    attachmentBytes: (base64Chars * 3) / 4,
  });
}
