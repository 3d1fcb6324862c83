// `tracking: {opens, clicks}` on a send request: per-message switches over the tenant's defaults.
import type { FieldError } from '../errors.js';
import type { TrackingOptions } from './types.js';
import { childPath, isAbsent, isRecord, unknownFieldErrors } from './validate-shape.js';

const KEYS = ['opens', 'clicks'] as const;

export function parseTracking(input: unknown, path: string): { value: TrackingOptions | undefined; errors: FieldError[] } {
  if (isAbsent(input)) return { value: undefined, errors: [] };
  if (!isRecord(input)) return { value: undefined, errors: [{ path, message: 'must be an object like {"opens": true, "clicks": false}' }] };
  const errors = unknownFieldErrors(input, KEYS, path);
  const out: { opens?: boolean; clicks?: boolean } = {};
  for (const k of KEYS) {
    const v = input[k];
    if (isAbsent(v)) continue;
    if (typeof v !== 'boolean') errors.push({ path: childPath(path, k), message: 'must be true or false' });
    else out[k] = v;
  }
  return { value: errors.length > 0 ? undefined : out, errors };
}
