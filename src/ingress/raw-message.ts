// Finished messages handed to us whole (SMTP submission, SES Raw): our own control headers
// come out before the message is stored, so they never reach a recipient, and carry the
// tags and metadata that the JSON APIs take as fields.
//   X-Txmail-Tags: receipt, de          (or a JSON array)
//   X-Txmail-Metadata: {"order": "42"}  (a JSON object of strings)
// A Bcc header comes out too: a submission server must not reveal blind recipients.
import { decodeEncodedWords, removeHeaders } from '../compose/raw.js';
import { headerValue, splitHeaders } from '../domain/message/raw-headers.js';
import type { FieldError } from '../domain/errors.js';
import { rawEncodedWordErrors } from '../domain/message/raw-encoded-words.js';
import { parseMetadata, parseTags } from '../domain/message/validate.js';

export interface IngestedRaw {
  readonly raw: Buffer;
  readonly tags: string[];
  readonly metadata: Record<string, string>;
  /** The From header's value, undefined when the message has none. */
  readonly headerFrom: string | undefined;
  readonly errors: FieldError[];
}

const KNOWN = ['x-txmail-tags', 'x-txmail-metadata'];

export function ingestRawMessage(input: Buffer): IngestedRaw {
  const { raw, removed } = removeHeaders(input, (name) => name.startsWith('x-txmail-') || name === 'bcc');
  const errors: FieldError[] = [];
  let tags: string[] = [];
  let metadata: Record<string, string> = {};
  for (const h of removed) {
    const lower = h.name.toLowerCase();
    if (lower === 'bcc') continue;
    if (!KNOWN.includes(lower)) {
      errors.push({ path: h.name, message: 'unknown txmail header (known: X-Txmail-Tags, X-Txmail-Metadata)' });
      continue;
    }
    const value = decodeEncodedWords(h.value);
    if (lower === 'x-txmail-tags') {
      const r = parseTags(parseTagList(value), h.name);
      tags = r.value;
      errors.push(...r.errors);
    } else {
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch {
        errors.push({ path: h.name, message: 'must be a JSON object of string values, like {"order": "42"}' });
        continue;
      }
      const r = parseMetadata(parsed, h.name);
      metadata = r.value;
      errors.push(...r.errors);
    }
  }
  const { lines } = splitHeaders(raw);
  errors.push(...rawEncodedWordErrors(lines));
  const headerFrom = headerValue(lines, 'from');
  if (headerFrom === undefined || headerFrom === '') errors.push({ path: 'From', message: 'the message has no From header' });
  return { raw, tags, metadata, headerFrom, errors };
}

function parseTagList(value: string): unknown {
  if (value.startsWith('[')) {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  }
  return value
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
}
