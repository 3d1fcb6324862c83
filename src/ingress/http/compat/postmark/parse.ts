// Postmark message bodies (PascalCase; addresses as comma-separated strings) to our terms,
// with the shared field rules. TrackOpens and TrackLinks switch tracking for the message;
// MessageStream "outbound" is the transactional default, "broadcast" sends as bulk mail, any
// other stream is refused (ErrorCode 1235). InlineCss (default true, as Postmark's) inlines a
// template's <style> rules into style attributes.
import { isAddressError, parseAddress, splitAddressList } from '../../../../domain/address/index.js';
import type { FieldError } from '../../../../domain/errors.js';
import type { Address, Attachment, Header, TrackingOptions } from '../../../../domain/message/types.js';
import {
  checkHeaderList,
  parseAttachments,
  parseBodyParts,
  parseMetadata,
  parseSubject,
  parseTags,
  type AttachmentKeys,
} from '../../../../domain/message/validate.js';
import { isAbsent, isRecord, unknownFieldErrors } from '../../../../domain/message/validate-shape.js';
import { parseTemplateData } from '../../../../domain/templates/validate.js';

export interface PmMessage {
  readonly from: Address;
  readonly to: Address[];
  readonly cc: Address[];
  readonly bcc: Address[];
  readonly replyTo: Address[];
  readonly subject: string;
  readonly text?: string;
  readonly html?: string;
  readonly headers: Header[];
  readonly attachments: Attachment[];
  readonly tags: string[];
  readonly metadata: Record<string, string>;
  /** TrackOpens / TrackLinks; absent switches follow the tenant's setting. */
  readonly tracking?: TrackingOptions;
  /** MessageStream "broadcast": marked as bulk mail (Precedence: bulk, List-Unsubscribe). */
  readonly bulk: boolean;
  /** For /email/withTemplate: a template id or alias (our id or name) and its model. */
  readonly template?: { readonly ref: string; readonly model: Record<string, unknown>; readonly inlineCss: boolean };
}

const COMMON = ['From', 'To', 'Cc', 'Bcc', 'ReplyTo', 'Tag', 'Headers', 'TrackOpens', 'TrackLinks', 'Metadata', 'MessageStream', 'Attachments'];
const PLAIN = [...COMMON, 'Subject', 'HtmlBody', 'TextBody'];
const TEMPLATED = [...COMMON, 'TemplateId', 'TemplateAlias', 'TemplateModel', 'InlineCss'];
const ATTACHMENT_KEYS: AttachmentKeys = { filename: 'Name', content: 'Content', contentType: 'ContentType', contentId: 'ContentID', disposition: 'Disposition' };
/** Postmark's TrackLinks values as our switches: links in the HTML part, links in the text part. */
const TRACK_LINKS: Readonly<Record<string, { clicks: boolean; textClicks: boolean }>> = {
  None: { clicks: false, textClicks: false },
  HtmlAndText: { clicks: true, textClicks: true },
  HtmlOnly: { clicks: true, textClicks: false },
  TextOnly: { clicks: false, textClicks: true },
};
/** The streams every Postmark server has: transactional "outbound" and broadcast "broadcast". */
export const STREAMS: Readonly<Record<string, 'transactional' | 'broadcast'>> = { outbound: 'transactional', broadcast: 'broadcast' };
/** Postmark's ErrorCode for a MessageStream the server does not have. */
export const STREAM_NOT_FOUND = 1235;

/** `"a@x.com, B <b@y.com>"`: Postmark's address lists are one string. */
function addresses(input: unknown, field: string, errors: FieldError[]): Address[] {
  if (isAbsent(input) || input === '') return [];
  if (typeof input !== 'string') {
    errors.push({ path: field, message: 'must be a string of comma-separated addresses' });
    return [];
  }
  const out: Address[] = [];
  for (const piece of splitAddressList(input)) {
    const a = parseAddress(piece);
    if (isAddressError(a)) errors.push({ path: field, message: `Error parsing '${field}': Illegal email address '${piece}'. It must be in the format 'name@example.com'. (${a.error})` });
    else out.push(a);
  }
  return out;
}

/** The message, or every problem found; `templated` for /email/withTemplate. */
export function parsePostmarkMessage(body: unknown, templated: boolean): { message?: PmMessage; errors: FieldError[] } {
  if (!isRecord(body)) return { errors: [{ path: '', message: 'The request body must be a JSON object.' }] };
  const errors = unknownFieldErrors(body, templated ? TEMPLATED : PLAIN, '');
  const collect = <T>(r: { errors: FieldError[] } & T): T => {
    errors.push(...r.errors);
    return r;
  };
  const fromList = addresses(body['From'], 'From', errors);
  if (fromList.length !== 1 && !errors.some((e) => e.path === 'From')) errors.push({ path: 'From', message: 'Invalid \'From\' address: exactly one sender is required.' });
  const to = addresses(body['To'], 'To', errors);
  const cc = addresses(body['Cc'], 'Cc', errors);
  const bcc = addresses(body['Bcc'], 'Bcc', errors);
  if (to.length + cc.length + bcc.length === 0 && !errors.some((e) => ['To', 'Cc', 'Bcc'].includes(e.path))) errors.push({ path: 'To', message: 'Zero recipients specified' });
  const replyTo = addresses(body['ReplyTo'], 'ReplyTo', errors);
  const headers = collect(checkHeaderList(body['Headers'], 'Headers', { name: 'Name', value: 'Value' })).headers;
  // Postmark writes inline ids as "cid:logo"; the Content-ID itself is "logo".
  const rawAttachments = Array.isArray(body['Attachments'])
    ? body['Attachments'].map((a: unknown) => (isRecord(a) && typeof a['ContentID'] === 'string' ? { ...a, ContentID: a['ContentID'].replace(/^cid:/i, '') } : a))
    : body['Attachments'];
  const attachments = collect(parseAttachments(rawAttachments, 'Attachments', ATTACHMENT_KEYS)).attachments;
  const tags = isAbsent(body['Tag']) || body['Tag'] === '' ? [] : collect(parseTags([body['Tag']], 'Tag')).value;
  const metadata = collect(parseMetadata(body['Metadata'], 'Metadata')).value;
  const tracking: { opens?: boolean; clicks?: boolean; textClicks?: boolean } = {};
  const trackLinks = body['TrackLinks'];
  if (!isAbsent(trackLinks)) {
    const t = typeof trackLinks === 'string' ? TRACK_LINKS[trackLinks] : undefined;
    if (t) Object.assign(tracking, t);
    else errors.push({ path: 'TrackLinks', message: `must be one of ${Object.keys(TRACK_LINKS).join(', ')}` });
  }
  const trackOpens = body['TrackOpens'];
  if (typeof trackOpens === 'boolean') tracking.opens = trackOpens;
  else if (!isAbsent(trackOpens)) errors.push({ path: 'TrackOpens', message: 'must be true or false' });
  const stream = body['MessageStream'];
  let bulk = false;
  if (!isAbsent(stream) && stream !== '') {
    if (typeof stream !== 'string') errors.push({ path: 'MessageStream', message: 'must be a string' });
    else if (STREAMS[stream] === undefined) errors.push({ path: 'MessageStream', message: streamNotFound(stream) });
    else bulk = STREAMS[stream] === 'broadcast';
  }

  let subject = '';
  let parts: { text?: string; html?: string } = {};
  let template: PmMessage['template'];
  if (templated) {
    const id = body['TemplateId'];
    const alias = body['TemplateAlias'];
    const ref = typeof alias === 'string' && alias !== '' ? alias : typeof id === 'number' || (typeof id === 'string' && id !== '') ? String(id) : undefined;
    if (ref === undefined) errors.push({ path: 'TemplateId', message: 'A TemplateId or TemplateAlias is required.' });
    const model = collect(parseTemplateData(body['TemplateModel'], 'TemplateModel')).value;
    const inline = body['InlineCss'];
    if (!isAbsent(inline) && typeof inline !== 'boolean') errors.push({ path: 'InlineCss', message: 'must be true or false' });
    if (ref !== undefined) template = { ref, model, inlineCss: inline !== false };
  } else {
    subject = isAbsent(body['Subject']) ? '' : collect(parseSubject(body['Subject'], 'Subject')).value;
    parts = collect(parseBodyParts(body['TextBody'], body['HtmlBody'], { text: 'TextBody', html: 'HtmlBody' })).value;
  }
  const from = fromList[0];
  if (errors.length > 0 || from === undefined) return { errors };
  const withTracking = Object.keys(tracking).length > 0 ? { tracking } : {};
  return { message: { from, to, cc, bcc, replyTo, subject, ...parts, headers, attachments, tags, metadata, bulk, ...withTracking, ...(template ? { template } : {}) }, errors };
}

export function streamNotFound(stream: string): string {
  return `The message stream for the provided 'MessageStream' (${JSON.stringify(stream)}) was not found. This server has the streams ${Object.keys(STREAMS).join(' and ')}.`;
}

/** The ErrorCode for a message's problems: 1235 when its stream is unknown, else 300. */
export function errorCodeFor(errors: readonly FieldError[]): number {
  return errors.length > 0 && errors.every((e) => e.path === 'MessageStream' && e.message.startsWith('The message stream')) ? STREAM_NOT_FOUND : 300;
}

export function describe(errors: readonly FieldError[]): string {
  const first = errors[0];
  if (!first) return 'Invalid email request';
  const text = first.message.startsWith('Error parsing') || first.message.startsWith('Invalid') || first.message.startsWith('Zero') ? first.message : `${first.path ? `${first.path}: ` : ''}${first.message}`;
  return errors.length > 1 ? `${text} (and ${errors.length - 1} more)` : text;
}

