// JSON shape helpers shared by the native API and the compatibility APIs: each of them names
// its own fields, but "is this an object", "which keys are unknown" and "how is a path
// written" must read the same everywhere.
import type { FieldError } from '../errors.js';

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Optional fields may be omitted or null: many JSON serialisers write null for "not set". */
export function isAbsent(value: unknown): value is undefined | null {
  return value === undefined || value === null;
}

/** `base.key`, or `base["key"]` when the key would make the dotted form ambiguous. */
export function childPath(base: string, key: string): string {
  const plain = /^[A-Za-z0-9_\-]+$/.test(key);
  if (base === '') return plain ? key : `[${JSON.stringify(key)}]`;
  return plain ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`;
}

export function indexPath(base: string, i: number): string {
  return `${base}[${i}]`;
}

// Comparing without case, '_' and '-' turns replyTo, ReplyTo and reply-to into reply_to,
// the typos worth a hint.
function squash(key: string): string {
  return key.toLowerCase().replace(/[_-]/g, '');
}

/** One error per key of `obj` that is not in `allowed`, with a hint when it looks like a typo. */
export function unknownFieldErrors(obj: Record<string, unknown>, allowed: readonly string[], base: string): FieldError[] {
  const errors: FieldError[] = [];
  for (const key of Object.keys(obj)) {
    if (allowed.includes(key)) continue;
    const near = allowed.find((a) => squash(a) === squash(key));
    const hint = near ? `did you mean "${near}"?` : `allowed: ${allowed.join(', ')}`;
    errors.push({ path: childPath(base, key), message: `unknown field (${hint})` });
  }
  return errors;
}
