// RFC 5965 Abuse Reporting Format: a multipart/report; report-type=feedback-report whose
// message/feedback-report part is a block of fields, followed by the reported message or its
// headers. Mailbox providers send these for "this is spam" clicks (feedback loops).
import {
  attachedHeaders,
  compact,
  headerText,
  originalHeaders,
  parseHeaders,
  parseMessage,
  typedMta,
  walk,
  type Header,
  type OriginalHeaders,
} from './mime.js';

// RFC 5965 §7.3 registry, plus auth-failure from RFC 6591.
export const FEEDBACK_TYPES = ['abuse', 'fraud', 'virus', 'other', 'not-spam', 'auth-failure'] as const;
export type FeedbackType = (typeof FEEDBACK_TYPES)[number];

export interface ParsedArf {
  /** A type outside the registry is reported as `other`; `feedbackTypeRaw` keeps what was sent. */
  readonly feedbackType: FeedbackType;
  readonly feedbackTypeRaw: string;
  readonly userAgent?: string;
  readonly version?: string;
  /** The complaining recipient: Original-Rcpt-To, or the provider's own header when it redacts. */
  readonly originalRecipient?: string;
  readonly originalMailFrom?: string;
  readonly arrivalDate?: string;
  readonly sourceIp?: string;
  readonly reportingMta?: string;
  readonly reportedDomain?: string;
  readonly original?: OriginalHeaders;
}

export function parseArf(raw: Buffer | string): ParsedArf | undefined {
  const parts = [...walk(parseMessage(raw))];
  const idx = parts.findIndex((p) => p.type === 'message/feedback-report');
  const report = parts[idx];
  if (!report) return undefined;
  const fields = parseHeaders(report.body.replace(/^\n+/, ''));
  // §3.1: Feedback-Type is required; without it this is not a feedback report at all.
  const feedbackTypeRaw = field(fields, 'feedback-type')?.toLowerCase();
  if (!feedbackTypeRaw) return undefined;
  const attached = parts.slice(idx + 1).map(attachedHeaders).find((h) => h !== undefined);
  return compact({
    feedbackType: isFeedbackType(feedbackTypeRaw) ? feedbackTypeRaw : 'other',
    feedbackTypeRaw,
    userAgent: field(fields, 'user-agent'),
    version: field(fields, 'version'),
    originalRecipient:
      address(field(fields, 'original-rcpt-to')) ??
      address(field(fields, 'removal-recipient')) ??
      // Microsoft JMRP names the recipient in a header it adds to the attached message.
      address(attached && headerText(attached, 'x-hmxmroriginalrecipient')),
    originalMailFrom: address(field(fields, 'original-mail-from')),
    // Arrival-Date is RFC 5965's name; early ARF drafts (still sent by some) used Received-Date.
    arrivalDate: field(fields, 'arrival-date') ?? field(fields, 'received-date'),
    sourceIp: field(fields, 'source-ip'),
    reportingMta: typedMta(field(fields, 'reporting-mta')),
    reportedDomain: field(fields, 'reported-domain'),
    original: attached && originalHeaders(attached),
  });
}

function isFeedbackType(s: string): s is FeedbackType {
  return (FEEDBACK_TYPES as readonly string[]).includes(s);
}

function field(fields: readonly Header[], name: string): string | undefined {
  return headerText(fields, name)?.replace(/\s+/g, ' ').trim() || undefined;
}

function address(v: string | undefined): string | undefined {
  return v?.trim().replace(/^<(.*)>$/, '$1').trim() || undefined;
}
