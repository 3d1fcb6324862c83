// parseBounce(): one entry point for asynchronous bounces arriving at the bounce MX. It reads an
// RFC 3464 report when there is one and falls back to the qmail/Exim heuristics, then classifies
// each failed or delayed recipient with the same rule table as synchronous replies.
import { formatReply } from '../smtp/reply.js';
import { classifyDsnStatus, diagnosticReply, type Classification } from './classify.js';
import { dsnFromMessage, type DsnAction } from './dsn.js';
import { parseLegacy, type LegacyFormat } from './legacy.js';
import { compact, originalHeaders, parseMessage, type OriginalHeaders } from './mime.js';

export type BounceFormat = 'dsn' | LegacyFormat;

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
  const dsn = dsnFromMessage(root);
  if (dsn) {
    return compact({
      format: 'dsn' as const,
      reportingMta: dsn.reportingMta,
      recipients: dsn.recipients.map((r) => toRecipient(r.finalRecipient, r.action, r.status, r.diagnosticCode, r.remoteMta)),
      original: dsn.original,
    });
  }
  const legacy = parseLegacy(root);
  if (!legacy) return undefined;
  return compact({
    format: legacy.format,
    reportingMta: legacy.reportingMta,
    recipients: legacy.recipients.map((r) => toRecipient(r.finalRecipient, r.action, r.status, r.diagnosticCode, r.remoteMta)),
    original: legacy.originalHeaders && originalHeaders(legacy.originalHeaders),
  });
}

function toRecipient(
  recipient: string,
  action: DsnAction,
  status: string,
  diagnostic: string | undefined,
  remoteMta: string | undefined,
): BounceRecipient {
  const classify = action === 'failed' || action === 'delayed';
  let classification = classify ? classifyDsnStatus(status, diagnostic) : undefined;
  // RFC 3464 §2.3.3: "delayed" means the reporting MTA is still trying, so nothing is final yet.
  if (action === 'delayed' && classification?.class === 'hard') classification = { class: 'soft', reason: classification.reason };
  return compact({
    recipient,
    action,
    status,
    diagnostic: oneLine(diagnostic),
    remoteMta,
    classification,
  });
}

function oneLine(diagnostic: string | undefined): string | undefined {
  const reply = diagnosticReply(diagnostic);
  return reply ? formatReply(reply) : diagnostic;
}
