// Suppression lists as CSV, for moving them between txmail and other providers:
//
//   email,reason,source_message_id,created_at
//   jane@example.org,hard_bounce,msg_01HM...,2024-01-15T10:03:03.000Z
//
// Import is all or nothing: every bad row is reported (line number, column, why) and none is
// written (DESIGN invariant 4). Only `email` is required; a missing reason means `manual`.
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { parseMailbox, isAddressError } from '../address/index.js';
import type { FieldError } from '../errors.js';

export const SUPPRESSION_REASONS = ['hard_bounce', 'complaint', 'unsubscribe', 'manual'] as const;
export type SuppressionReasonName = (typeof SUPPRESSION_REASONS)[number];
export const CSV_COLUMNS = ['email', 'reason', 'source_message_id', 'created_at'] as const;
export const MAX_IMPORT_ROWS = 100_000;

export interface SuppressionRow {
  readonly address: string;
  readonly reason: SuppressionReasonName;
  readonly sourceMessageId: string | null;
  readonly createdAt: number;
}

export function isSuppressionReason(v: unknown): v is SuppressionReasonName {
  return typeof v === 'string' && (SUPPRESSION_REASONS as readonly string[]).includes(v);
}

/** An address as the list stores it: parsed (IDN domains as A-labels), lower-cased. */
export function normaliseAddress(input: string): { address: string } | { error: string } {
  const a = parseMailbox(input);
  return isAddressError(a) ? { error: a.error } : { address: a.address.toLowerCase() };
}

export interface ImportResult {
  readonly rows: readonly SuppressionRow[];
  readonly errors: readonly FieldError[];
}

/** Parses and checks a CSV; rows without `created_at` get `now`. Later rows for one address win. */
export function parseSuppressionCsv(text: string, now: number): ImportResult {
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true, trim: true }) as string[][];
  } catch (e) {
    return { rows: [], errors: [{ path: 'csv', message: `not valid CSV: ${(e as Error).message}` }] };
  }
  const header = (records[0] ?? []).map((h) => h.toLowerCase());
  const col = (name: string): number => header.indexOf(name);
  const emailCol = col('email') >= 0 ? col('email') : col('address');
  if (emailCol < 0) return { rows: [], errors: [{ path: 'csv[1]', message: `the first line must name the columns; "email" is required (${CSV_COLUMNS.join(', ')})` }] };
  const unknown = header.filter((h) => h !== 'address' && !(CSV_COLUMNS as readonly string[]).includes(h));
  if (unknown.length > 0) return { rows: [], errors: [{ path: 'csv[1]', message: `unknown column ${unknown.join(', ')} (allowed: ${CSV_COLUMNS.join(', ')})` }] };
  if (records.length - 1 > MAX_IMPORT_ROWS) return { rows: [], errors: [{ path: 'csv', message: `more than ${MAX_IMPORT_ROWS} rows; split the file` }] };

  const errors: FieldError[] = [];
  const byAddress = new Map<string, SuppressionRow>();
  records.slice(1).forEach((r, i) => {
    const line = i + 2;
    const cell = (c: number): string => (c >= 0 ? (r[c] ?? '') : '');
    const email = normaliseAddress(cell(emailCol));
    if ('error' in email) errors.push({ path: `csv[${line}].email`, message: email.error });
    const reasonText = cell(col('reason')) || 'manual';
    if (!isSuppressionReason(reasonText)) errors.push({ path: `csv[${line}].reason`, message: `must be one of ${SUPPRESSION_REASONS.join(', ')}` });
    const createdText = cell(col('created_at'));
    const createdAt = createdText === '' ? now : Date.parse(createdText);
    if (!Number.isFinite(createdAt) || !/^\d{4}-\d\d-\d\d/.test(createdText || '0000-00-00')) {
      errors.push({ path: `csv[${line}].created_at`, message: 'must be an ISO 8601 time such as 2024-01-15T10:03:03Z' });
    }
    const source = cell(col('source_message_id'));
    if (source.length > 255) errors.push({ path: `csv[${line}].source_message_id`, message: 'longer than 255 characters' });
    if ('address' in email && isSuppressionReason(reasonText) && Number.isFinite(createdAt)) {
      byAddress.set(email.address, { address: email.address, reason: reasonText, sourceMessageId: source || null, createdAt });
    }
  });
  return errors.length > 0 ? { rows: [], errors } : { rows: [...byAddress.values()], errors: [] };
}

/** CSV lines (header first) for rows; the export of one page at a time concatenates these. */
export function suppressionCsv(rows: readonly SuppressionRow[], withHeader: boolean): string {
  const body = rows.map((r) => [r.address, r.reason, r.sourceMessageId ?? '', new Date(r.createdAt).toISOString()]);
  return stringify(withHeader ? [[...CSV_COLUMNS], ...body] : body, { record_delimiter: '\r\n' });
}
