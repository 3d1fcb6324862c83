// parseBounce(): one entry point for asynchronous bounces arriving at the bounce MX. It reads an
// RFC 3464 report when there is one (as a MIME part, or its fields printed in the text), then the
// qmail/Exim layouts, then any notice written for people (text.ts), and classifies each failed or
// delayed recipient with the same rule table as synchronous replies. Auto-replies (RFC 3834) and
// complaint reports (RFC 5965) are never bounces.
import { formatReply } from '../smtp/reply.js';
import { classifyDsnStatus, diagnosticReply, type Classification, type SmtpCommand } from './classify.js';
import { dsnFromFields, dsnFromMessage, type DsnAction, type DsnRecipient } from './dsn.js';
import { parseLegacy, type LegacyFormat } from './legacy.js';
import { compact, headerText, originalHeaders, parseMessage, walk, type MimePart, type OriginalHeaders } from './mime.js';
import { commandIn, isAutoReply, isFeedbackReport, looksLikeBounce, paragraphOf, reportText } from './report-text.js';
import { parseSesJson } from './ses-json.js';
import { parseText } from './text.js';

export type BounceFormat = 'dsn' | LegacyFormat | 'text' | 'ses-json';

export interface BounceRecipient {
  readonly recipient: string;
  readonly action: DsnAction;
  readonly status: string;
  /**
   * The remote's reply on one line (`550 5.1.1 The email account…`), or the reporting MTA's own
   * explanation; without the diagnostic type. parseDsn() keeps the field as written.
   */
  readonly diagnostic?: string;
  readonly remoteMta?: string;
  /** The SMTP command the remote refused, when the report says (`RCPT`, `DATA`…). */
  readonly command?: Exclude<SmtpCommand, ''>;
  /** For failed and delayed recipients; a delivered/relayed/expanded one has nothing to classify. */
  readonly classification?: Classification;
}

export interface ParsedBounce {
  readonly format: BounceFormat;
  readonly reportingMta?: string;
  readonly recipients: readonly BounceRecipient[];
  readonly original?: OriginalHeaders;
}

export function parseBounce(raw: Buffer | string): ParsedBounce | undefined {
  return fromMessage(parseMessage(raw), 0);
}

function fromMessage(root: MimePart, depth: number): ParsedBounce | undefined {
  if (isFeedbackReport(root)) return undefined;
  const text = reportText(root);
  const dsn = dsnFromMessage(root) ?? textDsn(root, text);
  if (dsn) {
    return compact({
      format: 'dsn' as const,
      reportingMta: dsn.reportingMta,
      recipients: unique(withFailedRecipients(root, dsn.recipients)).map((r) => toRecipient(r, text, dsn.recipients.length)),
      original: dsn.original,
    });
  }
  if (isAutoReply(root, text)) return undefined;
  const ses = parseSesJson(root);
  if (ses) return { format: ses.format, ...(ses.reportingMta ? { reportingMta: ses.reportingMta } : {}), recipients: ses.recipients.map((r) => toRecipient(r, '', 1)) };
  const inner = depth === 0 ? forwarded(root) : undefined;
  if (inner) return inner;
  const legacy = parseLegacy(root) ?? parseText(root);
  if (!legacy) return undefined;
  return compact({
    format: legacy.format,
    reportingMta: 'reportingMta' in legacy ? legacy.reportingMta : undefined,
    recipients: unique(legacy.recipients).map((r) => toRecipient(r, text, legacy.recipients.length)),
    original: legacy.originalHeaders && originalHeaders(legacy.originalHeaders),
  });
}

// RFC 3464 fields copied into the text of a notice (Amazon WorkMail, gateways, forwarded reports).
function textDsn(root: MimePart, text: string): ReturnType<typeof dsnFromFields> {
  if (!/^\s*Final-Recipient:/im.test(text) || !/^\s*(Action|Status):/im.test(text) || !looksLikeBounce(root, text)) return undefined;
  return dsnFromFields(text.slice(text.search(/^\s*(Reporting-MTA|Original-Recipient|Final-Recipient):/im)));
}

function toRecipient(r: DsnRecipient, text: string, count: number): BounceRecipient {
  const { finalRecipient: recipient, action, status, remoteMta } = r;
  // A report without a Diagnostic-Code often says why in its text (Exim, Sendmail): use the
  // paragraph about this recipient, its address left out.
  const diagnostic = r.diagnosticCode ?? (aboutRecipient(text, recipient) || undefined);
  const command = r.command || commandIn(diagnostic ?? '') || commandIn(paragraphOf(text, recipient) ?? '') || (count === 1 ? commandIn(text) : '');
  const classify = action === 'failed' || action === 'delayed';
  let classification = classify ? classifyDsnStatus(status, diagnostic, command) : undefined;
  // RFC 3464 §2.3.3: "delayed" means the reporting MTA is still trying, so nothing is final yet.
  if (action === 'delayed' && classification?.class === 'hard') classification = { class: 'soft', reason: classification.reason };
  return compact({
    recipient,
    action,
    status,
    diagnostic: oneLine(diagnostic),
    remoteMta,
    command: command || undefined,
    classification,
  });
}

function aboutRecipient(text: string, recipient: string): string | undefined {
  const p = paragraphOf(text, recipient)?.replace(/\s+/g, ' ').replace(recipient, '');
  return p?.replace(/^[\s<>:]+/, '').trim().slice(0, 400);
}

function oneLine(diagnostic: string | undefined): string | undefined {
  const reply = diagnosticReply(diagnostic);
  return reply ? formatReply(reply) : diagnostic?.replace(/\s+/g, ' ').trim();
}

// A bounce forwarded to us: as text (an mbox `From MAILER-DAEMON` line or a `Return-Path: <>`
// header inside a plain body), or attached whole (a message/rfc822 part holding a report). The
// notice inside is the report.
function forwarded(root: MimePart): ParsedBounce | undefined {
  if (root.parts.length === 0) {
    const m = /^From MAILER-DAEMON[^\n]*\n|^Return-Path: <>\s*$/m.exec(root.body);
    if (!m) return undefined;
    const start = m[0].startsWith('From ') ? m.index + m[0].length : m.index;
    return fromMessage(parseMessage(Buffer.from(root.body.slice(start), 'latin1')), 1);
  }
  for (const p of walk(root)) {
    if (p.type !== 'message/rfc822' || !/delivery-status|Final-Recipient:/i.test(p.body)) continue;
    const b = fromMessage(parseMessage(Buffer.from(p.body, 'latin1')), 1);
    if (b) return b;
  }
  return undefined;
}

// A recipient that is no address (an Exim file delivery) is named by X-Failed-Recipients when
// the report has exactly one of each.
function withFailedRecipients(root: MimePart, rs: readonly DsnRecipient[]): readonly DsnRecipient[] {
  const failed = (headerText(root.headers, 'x-failed-recipients') ?? '').split(',').map((a) => a.trim()).filter((a) => a.includes('@'));
  if (rs.length !== 1 || failed.length !== 1 || rs[0]?.finalRecipient.includes('@')) return rs;
  return rs.map((r) => ({ ...r, finalRecipient: failed[0] ?? r.finalRecipient }));
}

// Some MTAs repeat a recipient's group (mail.ru: once per attempt); the first one stands.
function unique(rs: readonly DsnRecipient[]): DsnRecipient[] {
  const seen = new Set<string>();
  return rs.filter((r) => {
    const k = r.finalRecipient.toLowerCase();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
