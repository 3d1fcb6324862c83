// SendGrid v3 mail/send bodies to our terms, with the same field rules as the native API
// (shared parsers). Every problem is collected with its path; paths are written the native way
// (`personalizations[0].to[1].email`) and turned into SendGrid's dotted form when rendered.
// Unknown top-level fields are ignored, as SendGrid does; known ones are checked, and the
// switches (tracking, mail settings, asm, IP pools, batches) are honoured or refused in settings.ts.
import type { FieldError } from '../../../../domain/errors.js';
import type { Address, Attachment, Header, TrackingOptions } from '../../../../domain/message/types.js';
import {
  assertRecipientLimit,
  assertSizeLimit,
  checkHeaders,
  estimateEncodedSize,
  parseAddressField,
  parseAddressList,
  parseAttachments,
  parseMetadata,
  parseSendAt,
  parseSubject,
  parseTags,
  type AttachmentKeys,
  type SendLimits,
} from '../../../../domain/message/validate.js';
import { childPath, indexPath, isAbsent, isRecord } from '../../../../domain/message/validate-shape.js';
import { parseTemplateData } from '../../../../domain/templates/validate.js';
import { TxError } from '../../../../domain/errors.js';
import type { UtmParams } from '../../../../domain/tracking/utm.js';
import { parseSendGridSettings, type SgFooter } from './settings.js';

export interface SgPersonalization {
  /** A personalization's own sender, over the request's. */
  readonly from: Address | undefined;
  readonly to: Address[];
  readonly cc: Address[];
  readonly bcc: Address[];
  readonly subject: string | undefined;
  readonly headers: Header[];
  readonly substitutions: ReadonlyArray<readonly [string, string]>;
  readonly data: Record<string, unknown>;
  readonly customArgs: Record<string, string>;
  readonly sendAt: number | undefined;
}

export interface SgMail {
  readonly from: Address;
  readonly replyTo: Address[];
  readonly subject: string | undefined;
  readonly text: string | undefined;
  readonly html: string | undefined;
  readonly attachments: Attachment[];
  readonly headers: Header[];
  readonly categories: string[];
  readonly customArgs: Record<string, string>;
  readonly sendAt: number | undefined;
  readonly templateId: string | undefined;
  readonly sandbox: boolean;
  readonly tracking: TrackingOptions | undefined;
  readonly footer: SgFooter | undefined;
  readonly utm: UtmParams | undefined;
  /** Legacy section tags: replaced after substitutions (a substitution may name a section). */
  readonly sections: ReadonlyArray<readonly [string, string]>;
  readonly personalizations: SgPersonalization[];
}

const ATTACHMENT_KEYS: AttachmentKeys = { filename: 'filename', content: 'content', contentType: 'type', contentId: 'content_id', disposition: 'disposition' };
const MAX_PERSONALIZATIONS = 1000;
const MAX_TOTAL_RECIPIENTS = 1000;
/** SendGrid schedules at most 72 hours ahead. */
export const SENDGRID_MAX_AHEAD_MS = 72 * 3600_000;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Throws TxError (VALIDATION with every field, TOO_LARGE, TOO_MANY_RECIPIENTS, BAD_REQUEST). */
export function parseSendGridMail(body: unknown, limits: SendLimits, now: number): SgMail {
  if (!isRecord(body)) throw new TxError('TX_ERR_BAD_REQUEST', 'The request body must be a JSON object.');
  const errors: FieldError[] = [];
  const collect = <T>(r: { errors: FieldError[] } & T): T => {
    errors.push(...r.errors);
    return r;
  };
  const rawPs = body['personalizations'];
  if (!Array.isArray(rawPs) || rawPs.length === 0) {
    throw new TxError('TX_ERR_VALIDATION', 'The personalizations field is required and must have at least one personalization.', [
      { path: 'personalizations', message: 'is required and must have at least one personalization' },
    ]);
  }
  if (rawPs.length > MAX_PERSONALIZATIONS) {
    throw new TxError('TX_ERR_VALIDATION', `At most ${MAX_PERSONALIZATIONS} personalizations.`, [{ path: 'personalizations', message: `more than ${MAX_PERSONALIZATIONS}` }]);
  }
  let total = 0;
  for (const p of rawPs) {
    if (!isRecord(p)) continue;
    const n = ['to', 'cc', 'bcc'].reduce((sum, k) => sum + (Array.isArray(p[k]) ? (p[k] as unknown[]).length : 0), 0);
    assertRecipientLimit(n, limits.maxRecipients);
    total += n;
  }
  // SendGrid's own bound on a request, lowered by ours when that is smaller.
  const maxTotal = Math.min(MAX_TOTAL_RECIPIENTS, limits.maxRequestRecipients ?? MAX_TOTAL_RECIPIENTS);
  if (total > maxTotal) {
    throw new TxError('TX_ERR_TOO_MANY_RECIPIENTS', `${total} recipients in the request; the limit is ${maxTotal} over all personalizations together`, [
      { path: 'personalizations', message: `${total} recipients in all personalizations together; the limit is ${maxTotal}` },
    ]);
  }

  const content = parseContent(body['content'], errors);
  const attachments = collect(parseAttachments(normaliseAttachments(body['attachments']), 'attachments', ATTACHMENT_KEYS)).attachments;
  assertSizeLimit(
    estimateEncodedSize({ subject: str(body['subject']), text: content.text, html: content.html, attachmentBytes: attachments.reduce((n, a) => n + a.content.length, 0) }),
    limits.maxMessageBytes,
  );

  let from: Address | undefined;
  const everyOwnFrom = rawPs.every((p: unknown) => isRecord(p) && !isAbsent(p['from']));
  if (isAbsent(body['from']) && !everyOwnFrom) errors.push({ path: 'from', message: 'The from object must be provided for every email send. It is an object that requires the email parameter.' });
  else if (!isAbsent(body['from'])) from = collect(parseAddressField(body['from'], 'from')).address;
  const replyTo = [...collect(parseAddressList(body['reply_to'], 'reply_to')).addresses];
  if (!isAbsent(body['reply_to_list'])) {
    if (replyTo.length > 0) errors.push({ path: 'reply_to_list', message: 'reply_to and reply_to_list cannot be used together' });
    replyTo.push(...collect(parseAddressList(body['reply_to_list'], 'reply_to_list')).addresses);
  }

  const templateId = body['template_id'];
  if (!isAbsent(templateId) && (typeof templateId !== 'string' || templateId === '')) errors.push({ path: 'template_id', message: 'must be a template id' });
  const subject = isAbsent(body['subject']) ? undefined : collect(parseSubject(body['subject'], 'subject')).value;
  const headers = collect(checkHeaders(body['headers'], 'headers')).headers;
  const categories = collect(parseTags(body['categories'], 'categories')).value;
  const customArgs = collect(parseMetadata(body['custom_args'], 'custom_args')).value;
  const sendAt = collect(parseSendAt(body['send_at'], now, SENDGRID_MAX_AHEAD_MS, 'send_at')).value;
  const { sandbox, tracking, footer, utm } = parseSendGridSettings(body, errors);
  const sections = Object.entries(collect(parseMetadata(body['sections'], 'sections')).value);

  const templated = typeof templateId === 'string' && templateId !== '';
  const personalizations = rawPs.map((p: unknown, i) => parsePersonalization(p, indexPath('personalizations', i), now, errors));
  if (!templated) {
    if (content.text === undefined && content.html === undefined && !errors.some((e) => e.path.startsWith('content'))) {
      errors.push({ path: 'content', message: 'Unless a valid template_id is provided, the content parameter is required. There must be at least one defined content block.' });
    }
    personalizations.forEach((p, i) => {
      if (p && p.subject === undefined && subject === undefined) {
        errors.push({ path: indexPath('personalizations', i), message: 'The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined.' });
      }
    });
  }
  const sender = from ?? personalizations[0]?.from;
  if (errors.length > 0 || sender === undefined) throw new TxError('TX_ERR_VALIDATION', `Invalid request: ${errors[0]?.path ?? 'from'}: ${errors[0]?.message ?? 'is required'}`, errors);
  return {
    from: sender,
    replyTo,
    subject,
    text: content.text,
    html: content.html,
    attachments,
    headers,
    categories,
    customArgs,
    sendAt,
    templateId: templated ? templateId : undefined,
    sandbox,
    tracking,
    footer,
    utm,
    sections,
    personalizations: personalizations as SgPersonalization[],
  };
}

/**
 * @sendgrid/mail passes plain attachment objects through as given, so the documented
 * `contentId` arrives camel-cased; SendGrid takes both spellings and ignores other keys.
 */
function normaliseAttachments(input: unknown): unknown {
  if (!Array.isArray(input)) return input;
  return input.map((a: unknown) => {
    if (!isRecord(a)) return a;
    const cid = a['content_id'] ?? a['contentId'];
    return Object.fromEntries(
      Object.entries({ content: a['content'], type: a['type'], filename: a['filename'], disposition: a['disposition'], content_id: cid }).filter(([, v]) => v !== undefined),
    );
  });
}

function parseContent(input: unknown, errors: FieldError[]): { text: string | undefined; html: string | undefined } {
  let text: string | undefined;
  let html: string | undefined;
  if (isAbsent(input)) return { text, html };
  if (!Array.isArray(input)) {
    errors.push({ path: 'content', message: 'must be an array of {type, value}' });
    return { text, html };
  }
  input.forEach((c: unknown, i) => {
    const path = indexPath('content', i);
    if (!isRecord(c)) return errors.push({ path, message: 'must be an object {type, value}' });
    const value = c['value'];
    if (typeof value !== 'string' || value === '') {
      return errors.push({ path: childPath(path, 'value'), message: 'The content value must be a string at least one character in length.' });
    }
    const type = typeof c['type'] === 'string' ? (c['type'] as string).toLowerCase().split(';')[0]!.trim() : undefined;
    if (type === 'text/plain' && text === undefined) text = value;
    else if (type === 'text/html' && html === undefined) html = value;
    else errors.push({ path: childPath(path, 'type'), message: 'must be text/plain or text/html, each at most once' });
    return undefined;
  });
  return { text, html };
}

function parsePersonalization(input: unknown, path: string, now: number, errors: FieldError[]): SgPersonalization | undefined {
  if (!isRecord(input)) {
    errors.push({ path, message: 'must be an object' });
    return undefined;
  }
  const at = (k: string): string => childPath(path, k);
  const collect = <T>(r: { errors: FieldError[] } & T): T => {
    errors.push(...r.errors);
    return r;
  };
  const from = isAbsent(input['from']) ? undefined : collect(parseAddressField(input['from'], at('from'))).address;
  if (!Array.isArray(input['to']) || input['to'].length === 0) errors.push({ path: at('to'), message: 'The to array is required for all personalization objects, and must have at least one email object with a valid email address.' });
  const to = collect(parseAddressList(input['to'], at('to'))).addresses;
  const cc = collect(parseAddressList(input['cc'], at('cc'))).addresses;
  const bcc = collect(parseAddressList(input['bcc'], at('bcc'))).addresses;
  const seen = new Set<string>();
  for (const [list, addresses] of [['to', to], ['cc', cc], ['bcc', bcc]] as const) {
    for (const a of addresses) {
      const key = a.address.toLowerCase();
      if (seen.has(key)) {
        errors.push({ path, message: `Each email address in the personalization block should be unique between to, cc, and bcc. We found the first duplicate instance of [${a.address}] in the ${at(list)} field.` });
      }
      seen.add(key);
    }
  }
  const subject = isAbsent(input['subject']) ? undefined : collect(parseSubject(input['subject'], at('subject'))).value;
  const headers = collect(checkHeaders(input['headers'], at('headers'))).headers;
  // The SendGrid SDK accepts numbers as substitution values; they replace as their text.
  const rawSubs = isRecord(input['substitutions'])
    ? Object.fromEntries(Object.entries(input['substitutions']).map(([k, v]) => [k, typeof v === 'number' ? String(v) : v]))
    : input['substitutions'];
  const subs = collect(parseMetadata(rawSubs, at('substitutions'))).value;
  const data = collect(parseTemplateData(input['dynamic_template_data'], at('dynamic_template_data'))).value;
  const customArgs = collect(parseMetadata(input['custom_args'], at('custom_args'))).value;
  const sendAt = collect(parseSendAt(input['send_at'], now, SENDGRID_MAX_AHEAD_MS, at('send_at'))).value;
  // send_each_at was dropped from v3 mail/send; scheduling per personalization is send_at.
  if (!isAbsent(input['send_each_at'])) errors.push({ path: at('send_each_at'), message: 'send_each_at is not supported; use send_at in each personalization.' });
  return { from, to, cc, bcc, subject, headers, substitutions: Object.entries(subs), data, customArgs, sendAt };
}
