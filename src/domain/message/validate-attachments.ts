// Attachments as JSON: base64 content plus a little metadata. The key names differ per API
// (SendGrid `type`, Postmark `ContentType`...), so they are a parameter; the rules are not.
import type { FieldError } from '../errors.js';
import { checkEncodedWords } from '../address/encoded-words.js';
import { codePointLength, controlCharProblem } from '../address/text.js';
import type { Attachment } from './types.js';
import { childPath, indexPath, isAbsent, isRecord, unknownFieldErrors } from './validate-shape.js';

export interface AttachmentKeys {
  readonly filename: string;
  readonly content: string;
  readonly contentType: string;
  readonly contentId: string;
  readonly disposition: string;
}

export const NATIVE_ATTACHMENT_KEYS: AttachmentKeys = {
  filename: 'filename',
  content: 'content',
  contentType: 'content_type',
  contentId: 'content_id',
  disposition: 'disposition',
};

export const MAX_FILENAME = 255;
// An attachment is one leaf part whose bytes we base64-encode. A multipart/* type would make
// the composer write a container with no boundary in its body (invalid MIME, the file lost), and
// message/* may not be base64-encoded (RFC 2046 §5.2.1), so its bytes would go out unencoded.
const CONTAINER_TYPE = 'must not be a multipart/* or message/* type: an attachment is a single file (send a forwarded message as application/octet-stream)';
const MAX_CONTENT_ID = 250;

export interface AttachmentsResult {
  readonly attachments: Attachment[];
  readonly errors: FieldError[];
}

export function parseAttachments(input: unknown, path: string, keys = NATIVE_ATTACHMENT_KEYS): AttachmentsResult {
  if (isAbsent(input)) return { attachments: [], errors: [] };
  if (!Array.isArray(input)) return { attachments: [], errors: [{ path, message: 'must be an array' }] };
  const attachments: Attachment[] = [];
  const errors: FieldError[] = [];
  input.forEach((item: unknown, i) => {
    const r = parseAttachment(item, indexPath(path, i), keys);
    if (r.attachment !== undefined) attachments.push(r.attachment);
    errors.push(...r.errors);
  });
  return { attachments, errors };
}

export function parseAttachment(
  input: unknown,
  path: string,
  keys = NATIVE_ATTACHMENT_KEYS,
): { readonly attachment: Attachment | undefined; readonly errors: FieldError[] } {
  if (!isRecord(input)) return { attachment: undefined, errors: [{ path, message: 'must be an object' }] };
  const errors = unknownFieldErrors(input, Object.values(keys), path);
  const at = (key: string): string => childPath(path, key);
  const str = (key: string, required: boolean): string | undefined => {
    const v = input[key];
    if (typeof v === 'string') return v;
    if (!isAbsent(v)) errors.push({ path: at(key), message: 'must be a string' });
    else if (required) errors.push({ path: at(key), message: 'is required' });
    return undefined;
  };
  const check = (key: string, problem: string | undefined): void => {
    if (problem !== undefined) errors.push({ path: at(key), message: problem });
  };

  const filename = str(keys.filename, true);
  if (filename !== undefined) check(keys.filename, filenameProblem(filename));

  const base64 = str(keys.content, true);
  let content: Buffer | undefined;
  if (base64 !== undefined) {
    const decoded = decodeBase64Strict(base64);
    if (typeof decoded === 'string') check(keys.content, decoded);
    else content = decoded;
  }

  const rawType = str(keys.contentType, false);
  let contentType = filename === undefined ? 'application/octet-stream' : contentTypeForFilename(filename);
  if (rawType !== undefined) {
    const t = normaliseContentType(rawType);
    if (t === undefined) check(keys.contentType, 'must be a media type like "application/pdf"');
    else if (/^(multipart|message)\//.test(t)) check(keys.contentType, CONTAINER_TYPE);
    else contentType = t;
  }

  const contentId = str(keys.contentId, false);
  if (contentId !== undefined) check(keys.contentId, contentIdProblem(contentId));

  const rawDisposition = str(keys.disposition, false);
  // An attachment with a content id exists to be shown inline (`cid:` in the HTML).
  let disposition: Attachment['disposition'] = contentId === undefined ? 'attachment' : 'inline';
  if (rawDisposition === 'attachment' || rawDisposition === 'inline') disposition = rawDisposition;
  else if (rawDisposition !== undefined) check(keys.disposition, 'must be "attachment" or "inline"');

  if (errors.length > 0 || filename === undefined || content === undefined) return { attachment: undefined, errors };
  const attachment: Attachment = { filename, contentType, content, disposition, ...(contentId === undefined ? {} : { contentId }) };
  return { attachment, errors };
}

function filenameProblem(filename: string): string | undefined {
  if (filename.trim() === '') return 'must not be empty';
  const problem = controlCharProblem(filename) ?? (codePointLength(filename) > MAX_FILENAME ? `longer than ${MAX_FILENAME} characters` : undefined);
  if (problem !== undefined) return problem;
  const decoded = checkEncodedWords(filename, (s) => controlCharProblem(s));
  return 'error' in decoded ? decoded.error : undefined;
}

// It becomes `Content-ID: <...>`, so brackets and whitespace would break out of it.
function contentIdProblem(id: string): string | undefined {
  if (id === '') return 'must not be empty';
  const ctl = controlCharProblem(id);
  if (ctl !== undefined) return ctl;
  if (/[<>\s]/.test(id)) return 'must not contain "<", ">" or whitespace (write the id without brackets)';
  if (/[^\x21-\x7e]/.test(id)) return 'must be printable ASCII';
  if (id.length > MAX_CONTENT_ID) return `longer than ${MAX_CONTENT_ID} characters`;
  return undefined;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes RFC 4648 base64, or says why it is not. Buffer.from(s, 'base64') would silently skip
 * garbage and truncate, sending a corrupt file; here only the alphabet, correct padding and
 * line breaks (RFC 2045 wraps at 76 columns, as `base64` tools do) are accepted.
 */
export function decodeBase64Strict(input: string): Buffer | string {
  if (input === '') return 'must not be empty';
  const bad = /[^A-Za-z0-9+/=\r\n]/.exec(input);
  if (bad) {
    const hint = bad[0] === '-' || bad[0] === '_' ? ' (base64url is not accepted)' : '';
    return `is not valid base64: unexpected character ${JSON.stringify(bad[0])} at offset ${bad.index}${hint}`;
  }
  const s = /[\r\n]/.test(input) ? input.replace(/[\r\n]/g, '') : input;
  if (s.length % 4 !== 0) return 'is not valid base64: length is not a multiple of 4 (missing "=" padding?)';
  if (!BASE64.test(s)) return 'is not valid base64: "=" padding in the middle';
  // Non-zero bits after the last byte (RFC 4648 §3.5) mean no encoder wrote this; only the
  // last quantum can have them, so only it is round-tripped.
  const last = s.slice(-4);
  if (Buffer.from(last, 'base64').toString('base64') !== last) return 'is not valid base64: non-zero padding bits';
  return Buffer.from(s, 'base64');
}

const TOKEN = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+";
const MEDIA_TYPE = new RegExp(`^(${TOKEN})/(${TOKEN})((?:\\s*;\\s*${TOKEN}=(?:${TOKEN}|"[^"\\\\\\x00-\\x1f\\x7f]*"))*)$`);

/** `type/subtype` with optional `; name=value` parameters (RFC 2045 §5.1), type lower-cased. */
export function normaliseContentType(input: string): string | undefined {
  const m = MEDIA_TYPE.exec(input.trim());
  if (!m) return undefined;
  return `${(m[1] ?? '').toLowerCase()}/${(m[2] ?? '').toLowerCase()}${m[3] ?? ''}`;
}

// The types receivers most often need to get right to open a file; anything else is octets,
// which every client offers to save.
const BY_EXTENSION: Readonly<Record<string, string>> = {
  pdf: 'application/pdf',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  svg: 'image/svg+xml',
  txt: 'text/plain',
  csv: 'text/csv',
  htm: 'text/html',
  html: 'text/html',
  ics: 'text/calendar',
  json: 'application/json',
  xml: 'application/xml',
  zip: 'application/zip',
  gz: 'application/gzip',
  // eml stays octets: message/rfc822 could not be base64-encoded (see CONTAINER_TYPE).
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ppt: 'application/vnd.ms-powerpoint',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
};

export function contentTypeForFilename(filename: string): string {
  const dot = filename.lastIndexOf('.');
  const ext = dot < 0 ? '' : filename.slice(dot + 1).toLowerCase();
  // hasOwn: an extension like ".constructor" must not find Object.prototype members.
  return (Object.hasOwn(BY_EXTENSION, ext) ? BY_EXTENSION[ext] : undefined) ?? 'application/octet-stream';
}
