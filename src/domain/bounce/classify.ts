// Bounce classification: which failures mean "this address is bad" (hard) and which are about
// the message, the sender or the moment (soft). See DESIGN.md "Bounce classes". The decisions
// live in the ordered table in rules.ts; this file only normalises a reply and walks the table.
import { parseReply, type SmtpReply } from '../smtp/reply.js';
import { commandIn } from './report-text.js';
import { BOUNCE_RULES, type BounceRule } from './rules.js';

export type BounceClass = 'hard' | 'soft';

export const BOUNCE_REASONS = [
  'user_unknown',
  'mailbox_disabled',
  'host_unknown',
  'mailbox_full',
  'spam_detected',
  'policy_blocked',
  'reputation_blocked',
  'auth_failure',
  'rate_limited',
  'message_too_large',
  'content_rejected',
  'tls_required',
  'connection_failed',
  'timeout',
  'dns_failure',
  'egress_refused',
  'expired',
  'unknown',
  // Added with the rule table: each names a different fix for the operator.
  'greylisted',
  'ptr_missing',
  'sender_rejected',
  'relay_denied',
  'routing_error',
  'protocol_error',
  // An address our SMTP client cannot write into a command: refused before sending.
  'invalid_address',
  // Added with the real-world bounce set (Sisimai's vocabulary, see vocabulary.ts).
  'has_moved',
  'not_accepting',
  'filtered',
  'system_error',
  'system_full',
  'security_error',
  'suppressed',
  // An operator bounced it out of the queue (queue control).
  'administrative',
] as const;
export type BounceReason = (typeof BOUNCE_REASONS)[number];

export interface Classification {
  readonly class: BounceClass;
  readonly reason: BounceReason;
  /** A 5xx that must be retried anyway (e.g. `552 5.5.3` too many recipients in one transaction). */
  readonly retryable?: true;
}

/** What the rules see: the reply with its text normalised (see `normalise`). */
export interface RuleInput {
  readonly code: number;
  /** The enhanced status code, or '' when there is none. */
  readonly enhanced: string;
  readonly text: string;
  /**
   * The SMTP command the reply answered (`RCPT`, `DATA`, `MAIL`, `CONN`…), as a bounce report
   * tells it; '' when a report does not say; undefined for a live reply whose command the caller
   * did not name. Rules that need it match only when it is defined.
   */
  readonly command?: string;
}

/** The SMTP command a reply answered; '' when unknown (a report that does not say). */
export type SmtpCommand = 'CONN' | 'HELO' | 'MAIL' | 'RCPT' | 'DATA' | '';

const FALLBACK: Classification = { class: 'soft', reason: 'unknown' };
const ENHANCED = /[245]\.\d{1,3}\.\d{1,3}/;
// qmail ends its texts with `(#5.1.1)`; Cisco AsyncOS starts them with `#5.1.0`.
const HASH_ENHANCED = /(?:^|[\s(])#([245]\.\d{1,3}\.\d{1,3})\b/;
// Addresses are replaced so a local part like `spam@` or `blocked-user@` cannot trigger a rule.
const ADDRESS = /<[^<>\s]*@[^<>\s]*>|[^\s<>()[\]"',;]+@[^\s<>()[\]"',;]+/g;

export function normalise(reply: SmtpReply, command?: SmtpCommand): RuleInput {
  let text = reply.text;
  let enhanced = reply.enhanced ?? '';
  if (!enhanced) {
    const m = HASH_ENHANCED.exec(text);
    if (m?.[1]) {
      enhanced = m[1];
      if (text.startsWith('#')) text = text.slice(m[0].length);
    }
  }
  text = text.replace(ADDRESS, '<addr>').replace(/\s+/g, ' ').trim();
  return command === undefined ? { code: reply.code, enhanced, text } : { code: reply.code, enhanced, text, command };
}

export function ruleMatches(rule: BounceRule, input: RuleInput): boolean {
  if (rule.code && (input.code < rule.code[0] || input.code > rule.code[1])) return false;
  if (rule.enhanced && !rule.enhanced.test(input.enhanced)) return false;
  if (rule.text && !rule.text.test(input.text)) return false;
  if (rule.command && (input.command === undefined || !rule.command.test(input.command))) return false;
  return true;
}

/** The first rule of the table that matches; exported so tests and logs can name the decision. */
export function matchRule(reply: SmtpReply, rules: readonly BounceRule[] = BOUNCE_RULES, command?: SmtpCommand): BounceRule | undefined {
  const input = normalise(reply, command);
  return rules.find((r) => ruleMatches(r, input));
}

export function classifyReply(reply: SmtpReply, command?: SmtpCommand): Classification {
  const c = matchRule(reply, BOUNCE_RULES, command)?.result ?? FALLBACK;
  // RFC 5321 §4.2.1: a 4yz reply is transient by definition, so nothing it says can make the
  // address permanently bad; the reason is kept because it still explains the deferral.
  if (c.class === 'hard' && reply.code < 500) return { class: 'soft', reason: c.reason };
  return c;
}

/**
 * Turns a DSN's Status (RFC 3464 §2.3.4) and Diagnostic-Code (§2.3.6) into the reply the remote
 * most likely sent. The diagnostic's own reply code and enhanced code win when it has them: they
 * are the remote's words, while Status is the reporting MTA's summary. Without a reply in the
 * diagnostic, the code is derived from the status class (5.x.x → 550, 4.x.x → 450).
 */
export function replyFromDsn(status: string, diagnostic?: string): SmtpReply {
  const st = ENHANCED.exec(status)?.[0];
  const reply = diagnosticReply(diagnostic);
  // A `#5.1.0`-style code in the reply text (qmail, Cisco) is the remote's own; normalise()
  // reads it, so the reporting MTA's generic Status must not take its place.
  const enhanced = reply?.enhanced ?? (reply && HASH_ENHANCED.test(reply.text) ? undefined : st);
  if (reply) return enhanced ? { code: reply.code, enhanced, text: reply.text } : reply;
  const text = stripType(diagnostic ?? '');
  const cls = st?.[0] ?? '5';
  const code = cls === '2' ? 250 : cls === '4' ? 450 : 550;
  return st ? { code, enhanced: st, text } : { code, text };
}

/** The SMTP reply inside a Diagnostic-Code (`smtp; 550-5.1.1 …`), when it holds one. */
export function diagnosticReply(diagnostic: string | undefined): SmtpReply | undefined {
  const text = stripType(diagnostic ?? '');
  // parseReply accepts `203.0.113.5 does not like…` as code 203; require a real reply prefix.
  return /^[245]\d\d(?:[ -]|$)/.test(text) ? parseReply(rejoinLines(text)) : undefined;
}

function stripType(diagnostic: string): string {
  return diagnostic.replace(/^[A-Za-z][\w-]*\s*;\s*/, '').trim();
}

/** A report's recipient: the command is '' when the report does not name it (see RuleInput). */
export function classifyDsnStatus(status: string, diagnostic?: string, command: SmtpCommand = ''): Classification {
  return classifyReply(replyFromDsn(status, diagnostic), command || commandIn(diagnostic ?? ''));
}

// A multi-line reply copied into a folded Diagnostic-Code arrives as one line:
// `550-5.1.1 The email ... try 550-5.1.1 double-checking ...`. Put the line breaks back where the
// first line's prefix repeats, so parseReply drops the repeated codes from the text.
function rejoinLines(text: string): string {
  const m = /^(\d{3})[ -](?:([245]\.\d{1,3}\.\d{1,3})\s)?/.exec(text);
  if (!m?.[1]) return text;
  const enh = m[2] ? `${m[2].replace(/\./g, '\\.')}\\s` : '';
  return text.replace(new RegExp(`\\s+(${m[1]}[ -]${enh})`, 'g'), '\n$1');
}
