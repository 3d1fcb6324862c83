// Judging what DNS answered against what a domain needs (records.ts): each record is ok,
// missing (no such name or no record of that type), wrong (something else is there; `found`
// says what and `problem` why) or error (the lookup itself failed, so nothing can be said).
import { parseDkimRecord, parseTagList } from '../dkim/record.js';
import type { ExpectedRecord, RecordType } from './records.js';

export type RecordStatus = 'ok' | 'missing' | 'wrong' | 'error';

/** One DNS answer, as the lookup shell reports it. */
export type DnsAnswer =
  | { readonly kind: 'txt'; readonly records: readonly (readonly string[])[] }
  | { readonly kind: 'mx'; readonly records: ReadonlyArray<{ readonly exchange: string; readonly priority: number }> }
  | { readonly kind: 'cname'; readonly target: string }
  | { readonly kind: 'a'; readonly addresses: readonly string[] }
  | { readonly kind: 'nxdomain' }
  | { readonly kind: 'nodata' }
  | { readonly kind: 'error'; readonly message: string };

export interface RecordCheck extends ExpectedRecord {
  readonly status: RecordStatus;
  /** What DNS holds at that name and type (TXT strings joined), for the operator to compare. */
  readonly found: readonly string[];
  readonly problem?: string;
}

export const lookupKey = (type: RecordType, name: string): string => `${type} ${name.toLowerCase()}`;

/** The lookups to make: one per distinct name and type. */
export function lookupsFor(records: readonly ExpectedRecord[]): Array<{ type: RecordType; name: string }> {
  const seen = new Map<string, { type: RecordType; name: string }>();
  for (const r of records) seen.set(lookupKey(r.type, r.name), { type: r.type, name: r.name.toLowerCase() });
  return [...seen.values()];
}

const host = (h: string): string => h.toLowerCase().replace(/\.$/, '');

type Verdict = Pick<RecordCheck, 'status' | 'found'> & { problem?: string };

const ok = (found: readonly string[]): Verdict => ({ status: 'ok', found });
const wrong = (found: readonly string[], problem: string): Verdict => ({ status: 'wrong', found, problem });
const missing = (found: readonly string[] = [], problem?: string): Verdict => ({ status: 'missing', found, ...(problem ? { problem } : {}) });

function judgeDkim(r: ExpectedRecord, txt: readonly string[]): Verdict {
  if (txt.length === 0) return missing();
  if (txt.length > 1) return wrong(txt, `${txt.length} TXT records at this name; a verifier may read any of them, so keep only ours`);
  const found = parseDkimRecord(txt[0]!);
  const want = parseDkimRecord(r.value)!;
  if (!found) return wrong(txt, 'not a DKIM key record (RFC 6376 §3.6.1: tag=value pairs, v=DKIM1 first when present)');
  if (found.publicKey === undefined) return wrong(txt, 'the record has no p= tag');
  if (found.publicKey === '') return wrong(txt, 'p= is empty: the key is published as revoked');
  if (found.keyType !== want.keyType) return wrong(txt, `k=${found.keyType} but the key is ${want.keyType}`);
  if (found.publicKey !== want.publicKey) {
    if (want.publicKey!.startsWith(found.publicKey)) {
      return wrong(txt, 'p= is truncated: DNS tools often cut TXT values at 255 characters; publish the value as several strings');
    }
    return wrong(txt, 'p= holds another key than this selector’s');
  }
  return ok(txt);
}

function judgeSpf(r: ExpectedRecord, txt: readonly string[]): Verdict {
  const spf = txt.filter((t) => /^v=spf1(\s|$)/i.test(t.trim()));
  if (spf.length === 0) return missing(txt);
  if (spf.length > 1) return wrong(spf, 'more than one SPF record: a permanent error for every check (RFC 7208 §4.5)');
  const terms = spf[0]!.trim().toLowerCase().split(/\s+/).slice(1);
  if (terms.includes('+all') || terms.includes('all')) return wrong(spf, '"+all" authorises every host on the internet');
  const needed = r.value.toLowerCase().split(/\s+/).slice(1).filter((t) => !/^[-~?+]?all$/.test(t));
  const absent = needed.filter((m) => !terms.includes(m) && !terms.includes(`+${m}`));
  if (absent.length > 0) return wrong(spf, `does not authorise txmail's sending hosts: add ${absent.join(' ')}`);
  return ok(spf);
}

function judgeDmarc(txt: readonly string[]): Verdict {
  // RFC 7489 §6.6.3: records not starting with v=DMARC1 are ignored; more than one means none applies.
  const dmarc = txt.filter((t) => /^v\s*=\s*DMARC1\s*(;|$)/.test(t.trim()));
  if (dmarc.length === 0) return missing(txt);
  if (dmarc.length > 1) return wrong(dmarc, 'more than one DMARC record: receivers then apply none (RFC 7489 §6.6.3)');
  const p = parseTagList(dmarc[0]!)?.get('p')?.toLowerCase();
  if (p !== 'none' && p !== 'quarantine' && p !== 'reject') return wrong(dmarc, 'no valid p= tag (none, quarantine or reject)');
  return ok(dmarc);
}

function judgeMx(r: ExpectedRecord, records: ReadonlyArray<{ exchange: string; priority: number }>): Verdict {
  const found = records.map((m) => `${m.priority} ${host(m.exchange)}`);
  const ours = records.filter((m) => host(m.exchange) === host(r.value));
  if (ours.length === 0) return wrong(found, `no MX points at ${r.value}: bounces go elsewhere`);
  if (ours.length < records.length) return wrong(found, `other MX hosts are listed too: bounces delivered to them never reach txmail`);
  return ok(found);
}

/** Judges one expected record from the answer to its lookup (undefined: not looked up). */
export function judgeRecord(r: ExpectedRecord, answer: DnsAnswer | undefined): RecordCheck {
  const v = verdict(r, answer);
  return { ...r, status: v.status, found: v.found, ...(v.problem !== undefined ? { problem: v.problem } : {}) };
}

function verdict(r: ExpectedRecord, a: DnsAnswer | undefined): Verdict {
  if (a === undefined) return { status: 'error', found: [], problem: 'not looked up' };
  if (a.kind === 'error') return { status: 'error', found: [], problem: `DNS lookup failed: ${a.message}` };
  if (a.kind === 'nxdomain') return missing([], `${r.name} does not exist`);
  if (a.kind === 'nodata') return missing([], `${r.name} has no ${r.type} record`);
  switch (r.type) {
    case 'TXT': {
      if (a.kind !== 'txt') return missing();
      // RFC 7208 §3.3, RFC 6376 §3.6.2.2: a record's character-strings are joined without spaces.
      const txt = a.records.map((parts) => parts.join(''));
      if (r.purpose === 'dkim') return judgeDkim(r, txt);
      if (r.purpose === 'spf') return judgeSpf(r, txt);
      return judgeDmarc(txt);
    }
    case 'MX':
      return a.kind === 'mx' ? judgeMx(r, a.records) : missing();
    case 'CNAME':
      if (a.kind !== 'cname') return missing();
      return host(a.target) === host(r.value) ? ok([host(a.target)]) : wrong([host(a.target)], `points at ${host(a.target)} instead of ${r.value}`);
    case 'A':
      if (a.kind !== 'a') return missing();
      return a.addresses.includes(r.value) ? ok(a.addresses) : wrong(a.addresses, `does not resolve to ${r.value}`);
  }
}

/** Every required record is ok. */
export function isVerified(checks: readonly RecordCheck[]): boolean {
  return checks.every((c) => !c.required || c.status === 'ok');
}
