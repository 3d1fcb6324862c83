// Template requests: the sources a template version holds, and how a send names a template
// with its data. Syntax is checked by the renderer (compose/template); here only shapes, sizes
// and names, each problem reported at its field path.
import type { FieldError } from '../errors.js';
import { isAddressError, parseMailbox } from '../address/mailbox.js';
import { codePointLength, controlCharProblem, utf8Length } from '../address/text.js';
import { MAX_SUBJECT, type Checked } from '../message/validate-fields.js';
import { childPath, isAbsent, isRecord } from '../message/validate-shape.js';
import type { TemplateContent, TemplateUse } from './types.js';

/** Template ids have the shape of SendGrid dynamic template ids: `@sendgrid/mail` only sends
 *  `dynamic_template_data` for a template id that starts with `d-`. */
export const TEMPLATE_ID = /^d-[0-9a-f]{32}$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** Per part: generous for real templates, and a bound on what one render can cost. */
export const MAX_TEMPLATE_PART_BYTES = 512 * 1024;

export function templateNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return isAbsent(name) ? 'is required' : 'must be a string';
  if (!NAME.test(name)) return 'must be 1 to 128 characters: letters, digits, ".", "_" or "-", starting with a letter or digit';
  // A name shaped like an id could shadow another template's id in lookups by "id or name".
  if (TEMPLATE_ID.test(name)) return 'must not have the shape of a template id (d- and 32 hex digits)';
  return undefined;
}

function source(input: unknown, path: string, errors: FieldError[]): string | null {
  if (isAbsent(input)) return null;
  if (typeof input !== 'string') {
    errors.push({ path, message: 'must be a string' });
    return null;
  }
  if (utf8Length(input) > MAX_TEMPLATE_PART_BYTES) errors.push({ path, message: `larger than ${MAX_TEMPLATE_PART_BYTES} bytes` });
  return input === '' ? null : input;
}

/** `{subject, html?, text?}` at `prefix` (empty for the body itself). */
export function parseTemplateContent(body: Record<string, unknown>, prefix = ''): Checked<TemplateContent> {
  const errors: FieldError[] = [];
  const at = (k: string): string => childPath(prefix, k);
  const rawSubject = body['subject'];
  let subject = '';
  if (typeof rawSubject !== 'string') errors.push({ path: at('subject'), message: isAbsent(rawSubject) ? 'is required' : 'must be a string' });
  else {
    // Tabs and line breaks never belong in a subject, even around Handlebars tags.
    const problem = controlCharProblem(rawSubject) ?? (codePointLength(rawSubject) > MAX_SUBJECT ? `longer than ${MAX_SUBJECT} characters` : undefined);
    if (problem !== undefined) errors.push({ path: at('subject'), message: problem });
    else if (rawSubject.trim() === '') errors.push({ path: at('subject'), message: 'must not be empty' });
    subject = rawSubject;
  }
  const html = source(body['html'], at('html'), errors);
  const text = source(body['text'], at('text'), errors);
  if (html === null && text === null && !errors.some((e) => e.path === at('html') || e.path === at('text'))) {
    errors.push({ path: at('html'), message: 'empty content: provide html or text (text is made from html when absent)' });
  }
  return { value: { subject, html, text }, errors };
}

/** Template data is any JSON object; absent or null is `{}`. */
export function parseTemplateData(input: unknown, path: string): Checked<Record<string, unknown>> {
  if (isAbsent(input)) return { value: {}, errors: [] };
  if (!isRecord(input)) return { value: {}, errors: [{ path, message: 'must be an object' }] };
  return { value: input, errors: [] };
}

export const NATIVE_TEMPLATE_FIELDS = ['template_id', 'template_version', 'template_data', 'recipient_data', 'template_strict'] as const;

/**
 * The native API's template fields, or undefined when the request names no template. The
 * recipients named in `recipient_data` must be recipients of the message.
 */
export function parseNativeTemplateUse(body: Record<string, unknown>, recipients: readonly string[]): Checked<TemplateUse | undefined> {
  const errors: FieldError[] = [];
  const ref = body['template_id'];
  const given = NATIVE_TEMPLATE_FIELDS.filter((f) => !isAbsent(body[f]));
  if (isAbsent(ref)) {
    for (const f of given) errors.push({ path: f, message: 'needs template_id' });
    return { value: undefined, errors };
  }
  if (typeof ref !== 'string' || ref === '' || ref.length > 128) errors.push({ path: 'template_id', message: 'must be a template id or name' });
  const version = body['template_version'];
  if (!isAbsent(version) && !(typeof version === 'number' && Number.isInteger(version) && version >= 1)) {
    errors.push({ path: 'template_version', message: 'must be a positive integer' });
  }
  const strict = body['template_strict'];
  if (!isAbsent(strict) && typeof strict !== 'boolean') errors.push({ path: 'template_strict', message: 'must be true or false' });
  const data = parseTemplateData(body['template_data'], 'template_data');
  errors.push(...data.errors);

  const recipientData = new Map<string, Readonly<Record<string, unknown>>>();
  const raw = body['recipient_data'];
  if (!isAbsent(raw) && !isRecord(raw)) errors.push({ path: 'recipient_data', message: 'must be an object keyed by recipient address' });
  else if (isRecord(raw)) {
    const known = new Set(recipients.map((r) => r.toLowerCase()));
    for (const [key, value] of Object.entries(raw)) {
      const path = childPath('recipient_data', key);
      // Compared as the recipients are: domain in A-labels, so "a@Bücher.de" finds "a@xn--bcher-kva.de".
      const mailbox = parseMailbox(key);
      const address = isAddressError(mailbox) ? key.toLowerCase() : mailbox.address.toLowerCase();
      if (!known.has(address)) errors.push({ path, message: 'is not a recipient (to, cc or bcc) of this message' });
      else if (!isRecord(value)) errors.push({ path, message: 'must be an object' });
      else recipientData.set(address, value);
    }
  }
  if (errors.length > 0 || typeof ref !== 'string') return { value: undefined, errors };
  return {
    value: {
      ref,
      data: data.value,
      recipientData,
      ...(typeof version === 'number' ? { version } : {}),
      ...(typeof strict === 'boolean' ? { strict } : {}),
    },
    errors,
  };
}
