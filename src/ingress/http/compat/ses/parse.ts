// SES v2 SendEmail bodies (restJson1: PascalCase fields, blobs as base64) to our terms, with
// the shared field rules. Exactly one of Content.Simple, Content.Raw, Content.Template.
import { normaliseLineEnds } from '../../../../compose/raw.js';
import { headerValue, splitHeaders } from '../../../../domain/message/raw-headers.js';
import { TxError, validationError, type FieldError } from '../../../../domain/errors.js';
import { isAddressError, parseAddress, splitAddressList } from '../../../../domain/address/index.js';
import type { Address, Attachment, Header } from '../../../../domain/message/types.js';
import { decodeBase64Strict } from '../../../../domain/message/validate-attachments.js';
import {
  assertRecipientLimit,
  assertSizeLimit,
  checkHeaderList,
  parseAddressField,
  parseAddressList,
  parseAttachments,
  parseMetadata,
  parseSubject,
  parseBodyParts,
  type AttachmentKeys,
  type SendLimits,
} from '../../../../domain/message/validate.js';
import { childPath, indexPath, isAbsent, isRecord } from '../../../../domain/message/validate-shape.js';
import { ingestRawMessage } from '../../../raw-message.js';

export type SesContent =
  | { readonly kind: 'simple'; readonly subject: string; readonly text?: string; readonly html?: string; readonly headers: Header[]; readonly attachments: Attachment[] }
  | { readonly kind: 'raw'; readonly raw: Buffer; readonly tags: string[]; readonly metadata: Record<string, string> }
  | { readonly kind: 'template'; readonly name: string; readonly data: Record<string, unknown>; readonly headers: Header[]; readonly attachments: Attachment[] };

export interface SesSend {
  readonly from: Address;
  readonly to: Address[];
  readonly cc: Address[];
  readonly bcc: Address[];
  readonly replyTo: Address[];
  readonly content: SesContent;
  readonly metadata: Record<string, string>;
}

/**
 * SendEmail fields for features txmail does not have: refused (BadRequestException naming the
 * field) rather than dropped, because each changes where mail or reports go. Accepted and
 * without effect (README): FromEmailAddressIdentityArn (sending authorization; txmail's own
 * sender-domain check applies), Charset (txmail always sends UTF-8), attachments'
 * ContentTransferEncoding (txmail picks the encoding) and ConfigurationSetName (kept as the tag
 * `ses:configuration-set`; events go to txmail's webhooks).
 */
const UNSUPPORTED: ReadonlyArray<readonly [field: string, why: string]> = [
  ['FeedbackForwardingEmailAddress', 'txmail does not forward bounces and complaints by email; it reports them as events and webhooks'],
  ['FeedbackForwardingEmailAddressIdentityArn', 'txmail does not forward bounces and complaints by email; it reports them as events and webhooks'],
  ['ListManagementOptions', 'txmail has no contact lists or topics; bulk mail gets a one-click List-Unsubscribe header'],
  ['EndpointId', 'txmail has no multi-region endpoints'],
  ['TenantName', 'SES tenants are not supported; an API key belongs to one txmail tenant'],
];

const ATTACHMENT_KEYS: AttachmentKeys = { filename: 'FileName', content: 'RawContent', contentType: 'ContentType', contentId: 'ContentId', disposition: 'ContentDisposition' };
const HEADER_KEYS = { name: 'Name', value: 'Value' };

/** Throws TxError (VALIDATION naming every field, TOO_LARGE, TOO_MANY_RECIPIENTS). */
export function parseSesSendEmail(body: unknown, limits: SendLimits): SesSend {
  if (!isRecord(body)) throw new TxError('TX_ERR_BAD_REQUEST', 'The request body must be a JSON object.');
  const errors: FieldError[] = [];
  const collect = <T>(r: { errors: FieldError[] } & T): T => {
    errors.push(...r.errors);
    return r;
  };
  for (const [field, why] of UNSUPPORTED) {
    if (!isAbsent(body[field])) errors.push({ path: field, message: `${field} is not supported by this server (txmail): ${why}.` });
  }
  const content = isRecord(body['Content']) ? body['Content'] : {};
  const kinds = (['Simple', 'Raw', 'Template'] as const).filter((k) => !isAbsent(content[k]));
  if (kinds.length !== 1) throw validationError([{ path: 'Content', message: 'must have exactly one of Simple, Raw or Template' }]);
  const kind = kinds[0]!;

  const dest = isRecord(body['Destination']) ? body['Destination'] : {};
  const count = ['ToAddresses', 'CcAddresses', 'BccAddresses'].reduce((n, k) => n + (Array.isArray(dest[k]) ? (dest[k] as unknown[]).length : 0), 0);
  assertRecipientLimit(count, limits.maxRecipients);
  let to = collect(parseAddressList(dest['ToAddresses'], 'Destination.ToAddresses')).addresses;
  let cc = collect(parseAddressList(dest['CcAddresses'], 'Destination.CcAddresses')).addresses;
  let bcc = collect(parseAddressList(dest['BccAddresses'], 'Destination.BccAddresses')).addresses;
  const replyTo = collect(parseAddressList(body['ReplyToAddresses'], 'ReplyToAddresses')).addresses;
  let from = isAbsent(body['FromEmailAddress']) ? undefined : collect(parseAddressField(body['FromEmailAddress'], 'FromEmailAddress')).address;

  const tags: Record<string, string> = {};
  if (Array.isArray(body['EmailTags'])) {
    body['EmailTags'].forEach((t: unknown, i) => {
      if (isRecord(t) && typeof t['Name'] === 'string' && typeof t['Value'] === 'string') tags[t['Name']] = t['Value'];
      else errors.push({ path: indexPath('EmailTags', i), message: 'must be {Name, Value} with string values' });
    });
  }
  // SES itself reports the configuration set among a message's tags.
  if (typeof body['ConfigurationSetName'] === 'string') tags['ses:configuration-set'] = body['ConfigurationSetName'];
  const metadata = { ...collect(parseMetadata(tags, 'EmailTags')).value };

  let parsed: SesContent | undefined;
  if (kind === 'Raw') {
    const r = parseRaw(content['Raw'], errors);
    if (r) {
      assertSizeLimit(r.raw.length, limits.maxMessageBytes);
      // Without a Destination, SES sends to the message's own To, Cc and Bcc.
      if (to.length + cc.length + bcc.length === 0) {
        ({ to, cc, bcc } = r.recipients);
        assertRecipientLimit(to.length + cc.length + bcc.length, limits.maxRecipients);
      }
      from ??= r.from;
      parsed = { kind: 'raw', raw: r.raw, tags: r.tags, metadata: r.metadata };
    }
  } else {
    const part = isRecord(content[kind]) ? content[kind] : {};
    const at = (k: string): string => childPath(`Content.${kind}`, k);
    const headers = collect(checkHeaderList(part['Headers'], at('Headers'), HEADER_KEYS)).headers;
    const attachments = collect(parseAttachments(normaliseAttachments(part['Attachments']), at('Attachments'), ATTACHMENT_KEYS)).attachments;
    assertSizeLimit(attachments.reduce((n, a) => n + Math.ceil((a.content.length * 4) / 3), 0), limits.maxMessageBytes);
    if (kind === 'Simple') {
      const subject = collect(parseSubject(isRecord(part['Subject']) ? part['Subject']['Data'] : undefined, at('Subject.Data'))).value;
      const b = isRecord(part['Body']) ? part['Body'] : {};
      const data = (k: string): unknown => (isRecord(b[k]) ? b[k]['Data'] : undefined);
      const bodyParts = collect(parseBodyParts(data('Text'), data('Html'), { text: at('Body.Text.Data'), html: at('Body.Html.Data') })).value;
      parsed = { kind: 'simple', subject, ...bodyParts, headers, attachments };
    } else {
      const arn = typeof part['TemplateArn'] === 'string' ? /template\/([^/]+)$/.exec(part['TemplateArn'])?.[1] : undefined;
      const name = typeof part['TemplateName'] === 'string' ? part['TemplateName'] : arn;
      if (name === undefined || name === '') errors.push({ path: at('TemplateName'), message: 'is required (or TemplateArn)' });
      let data: Record<string, unknown> = {};
      const rawData = part['TemplateData'];
      if (!isAbsent(rawData)) {
        try {
          const d: unknown = typeof rawData === 'string' ? JSON.parse(rawData) : undefined;
          if (isRecord(d)) data = d;
          else errors.push({ path: at('TemplateData'), message: 'must be a JSON object, as a string' });
        } catch {
          errors.push({ path: at('TemplateData'), message: 'is not valid JSON' });
        }
      }
      parsed = { kind: 'template', name: name ?? '', data, headers, attachments };
    }
  }
  if (from === undefined && !errors.some((e) => e.path.startsWith('FromEmailAddress'))) errors.push({ path: 'FromEmailAddress', message: 'is required' });
  if (to.length + cc.length + bcc.length === 0) errors.push({ path: 'Destination', message: 'at least one recipient is required' });
  if (errors.length > 0 || parsed === undefined || from === undefined) throw validationError(errors);
  return { from, to, cc, bcc, replyTo, content: parsed, metadata };
}

// SES spells the disposition in capitals and has two fields we have no use for.
function normaliseAttachments(input: unknown): unknown {
  if (!Array.isArray(input)) return input;
  return input.map((a: unknown) => {
    if (!isRecord(a)) return a;
    const { ContentDescription: _d, ContentTransferEncoding: _e, ...rest } = a;
    return typeof rest['ContentDisposition'] === 'string' ? { ...rest, ContentDisposition: rest['ContentDisposition'].toLowerCase() } : rest;
  });
}

interface RawParts {
  readonly raw: Buffer;
  readonly tags: string[];
  readonly metadata: Record<string, string>;
  readonly from: Address | undefined;
  readonly recipients: { to: Address[]; cc: Address[]; bcc: Address[] };
}

function parseRaw(input: unknown, errors: FieldError[]): RawParts | undefined {
  const data = isRecord(input) ? input['Data'] : undefined;
  if (typeof data !== 'string') {
    errors.push({ path: 'Content.Raw.Data', message: 'is required: the message, base64' });
    return undefined;
  }
  const decoded = decodeBase64Strict(data);
  if (typeof decoded === 'string') {
    errors.push({ path: 'Content.Raw.Data', message: decoded });
    return undefined;
  }
  // A bare CR or LF must never reach an SMTP peer (smuggling); an API caller's LF-only
  // message is made CRLF here instead of being refused.
  const crlf = normaliseLineEnds(decoded);
  // Recipients are read before ingest takes the Bcc header out.
  const { lines } = splitHeaders(crlf);
  const list = (name: string): Address[] => addressesOf(headerValue(lines, name), name, errors);
  const recipients = { to: list('To'), cc: list('Cc'), bcc: list('Bcc') };
  const ingested = ingestRawMessage(crlf);
  errors.push(...ingested.errors.map((e) => ({ ...e, path: `Content.Raw.Data ${e.path}` })));
  const from = ingested.headerFrom === undefined ? undefined : addressesOf(ingested.headerFrom, 'From', errors)[0];
  return { raw: ingested.raw, tags: ingested.tags, metadata: ingested.metadata, from, recipients };
}

function addressesOf(value: string | undefined, header: string, errors: FieldError[]): Address[] {
  if (value === undefined) return [];
  const out: Address[] = [];
  for (const piece of splitAddressList(value)) {
    const a = parseAddress(piece);
    if (isAddressError(a)) errors.push({ path: `Content.Raw.Data ${header}`, message: `${JSON.stringify(piece)}: ${a.error}` });
    else out.push(a);
  }
  return out;
}
