// parseBounce(): one entry point for asynchronous bounces arriving at the bounce MX. It reads an
// RFC 3464 report when there is one (as a MIME part, or its fields printed in the text), then the
// qmail/Exim layouts, then any notice written for people (text.ts), and classifies each failed or
// delayed recipient with the same rule table as synchronous replies. Auto-replies (RFC 3834) and
// complaint reports (RFC 5965) are never bounces.
import { formatReply } from '../smtp/reply.js';
import { classifyDsnStatus, diagnosticReply, type Classification, type SmtpCommand } from './classify.js';
import { dsnFromFields, dsnFromMessage, type DsnAction, type DsnRecipient } from './dsn.js';
import { parseLegacy, type LegacyFormat } from './legacy.js';
import { compact, originalHeaders, parseMessage, type MimePart, type OriginalHeaders } from './mime.js';
import { commandIn, isAutoReply, isFeedbackReport, looksLikeBounce, paragraphOf, reportText } from './report-text.js';
import { parseText } from './text.js';

export type BounceFormat = 'dsn' | LegacyFormat | 'text';

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
  const root = parseMessage(raw);
  if (isFeedbackReport(root)) return undefined;
  const text = reportText(root);
  const dsn = dsnFromMessage(root) ?? textDsn(root, text);
  if (dsn) {
    return compact({
      format: 'dsn' as const,
      reportingMta: dsn.reportingMta,
      recipients: dsn.recipients.map((r) => toRecipient(r, text, dsn.recipients.length)),
      original: dsn.original,
    });
  }
  if (isAutoReply(root)) return undefined;
  const legacy = parseLegacy(root) ?? parseText(root);
  if (!legacy) return undefined;
  return compact({
    format: legacy.format,
    reportingMta: 'reportingMta' in legacy ? legacy.reportingMta : undefined,
    recipients: legacy.recipients.map((r) => toRecipient(r, text, legacy.recipients.length)),
    original: legacy.originalHeaders && originalHeaders(legacy.originalHeaders),
  });
}

// RFC 3464 fields copied into the text of a notice (Amazon WorkMail, gateways, forwarded reports).
function textDsn(root: MimePart, text: string): ReturnType<typeof dsnFromFields> {
  if (!/^\s*Final-Recipient:/im.test(text) || !/^\s*(Action|Status):/im.test(text) || !looksLikeBounce(root, text)) return undefined;
  return dsnFromFields(text.slice(text.search(/^\s*(Reporting-MTA|Original-Recipient|Final-Recipient):/im)));
}

function toRecipient(r: DsnRecipient, text: string, count: number): BounceRecipient {
  const { finalRecipient: recipient, action, status, diagnosticCode: diagnostic, remoteMta } = r;
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

function oneLine(diagnostic: string | undefined): string | undefined {
  const reply = diagnosticReply(diagnostic);
  return reply ? formatReply(reply) : diagnostic?.replace(/\s+/g, ' ').trim();
}
