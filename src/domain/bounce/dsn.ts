// RFC 3464 delivery status notifications: a multipart/report (RFC 6522) whose
// message/delivery-status part holds one per-message field group and one group per recipient,
// followed by the original message or its headers. Parsing is lenient where MTAs commonly
// stray (missing Action, status comments, a report nested in multipart/mixed), strict nowhere.
import {
  attachedHeaders,
  compact,
  headerText,
  originalHeaders,
  parseHeaders,
  parseMessage,
  typedAddress,
  typedMta,
  walk,
  type Header,
  type MimePart,
  type OriginalHeaders,
} from './mime.js';
import type { SmtpCommand } from './classify.js';

export const DSN_ACTIONS = ['failed', 'delayed', 'delivered', 'relayed', 'expanded'] as const;
export type DsnAction = (typeof DSN_ACTIONS)[number];

export interface DsnRecipient {
  /** The address from Final-Recipient (RFC 3464 §2.3.2), address type and brackets removed. */
  readonly finalRecipient: string;
  readonly originalRecipient?: string;
  readonly action: DsnAction;
  /** `class.subject.detail` (RFC 3463), comments removed. */
  readonly status: string;
  /** Diagnostic-Code text without its type, e.g. `550 5.1.1 user unknown` (§2.3.6). */
  readonly diagnosticCode?: string;
  /** The diagnostic type, e.g. `smtp` or `X-Postfix`. */
  readonly diagnosticType?: string;
  readonly remoteMta?: string;
  /** The SMTP command the remote refused, when the report says (see report-text.ts). */
  readonly command?: SmtpCommand;
}

export interface ParsedDsn {
  readonly reportingMta?: string;
  readonly arrivalDate?: string;
  /** Original-Envelope-Id (§2.2.1): the ENVID we sent with MAIL FROM, when the MTA kept it. */
  readonly envelopeId?: string;
  readonly recipients: readonly DsnRecipient[];
  /** From the text/rfc822-headers or message/rfc822 part, when the report has one. */
  readonly original?: OriginalHeaders;
}

// text/delivery-status: the name a few older gateways gave the same part.
const STATUS_TYPES = new Set(['message/delivery-status', 'message/global-delivery-status', 'text/delivery-status']);
// Not inside an IP address or version number: `203.0.113.5` holds no status code.
export const STATUS_CODE = /(?<![\d.])[245]\.\d{1,3}\.\d{1,3}(?!\.?\d)/;

export function parseDsn(raw: Buffer | string): ParsedDsn | undefined {
  return dsnFromMessage(parseMessage(raw));
}

/** The DSN in an already parsed message; undefined when it has no usable delivery-status part. */
export function dsnFromMessage(root: MimePart): ParsedDsn | undefined {
  const parts = [...walk(root)];
  const statusIdx = parts.findIndex((p) => STATUS_TYPES.has(p.type));
  const statusPart = parts[statusIdx];
  if (!statusPart) return undefined;
  // The original follows the status part (RFC 6522 §3); take the first headers-bearing part after it.
  const original = parts.slice(statusIdx + 1).map(attachedHeaders).find((h) => h !== undefined);
  return dsnFromFields(statusPart.body, original);
}

/**
 * RFC 3464 fields as text: the body of a delivery-status part, or (Amazon WorkMail, forwarded
 * reports, some gateways) the same fields printed inside a text part.
 */
export function dsnFromFields(body: string, original?: readonly Header[]): ParsedDsn | undefined {
  // RFC 3464 §2.1: field groups are separated by empty lines; the first is per-message. Some
  // MTAs omit that separator or add empty lines, so a group is per-recipient when it names one.
  const groups = body
    .replace(/^[ \t]+(?=(Final|Original)-Recipient:|Action:|Status:|Reporting-MTA:)/gim, '')
    .split(/\n[ \t]*\n/)
    .map((g) => parseHeaders(g))
    .filter((g) => g.length > 0);
  const perMessage = groups.find((g) => !isRecipientGroup(g)) ?? groups[0] ?? [];
  const recipients = groups.filter(isRecipientGroup).flatMap((g) => recipientOf(g) ?? []);
  if (recipients.length === 0) return undefined;
  return compact({
    reportingMta: typedMta(text(perMessage, 'reporting-mta')),
    arrivalDate: text(perMessage, 'arrival-date'),
    envelopeId: text(perMessage, 'original-envelope-id'),
    recipients,
    original: original && originalHeaders(original),
  });
}

function isRecipientGroup(g: readonly Header[]): boolean {
  return g.some((h) => h.name === 'final-recipient' || h.name === 'original-recipient' || h.name === 'action');
}

function recipientOf(g: readonly Header[]): DsnRecipient | undefined {
  const original = typedAddress(text(g, 'original-recipient'));
  const written = typedAddress(text(g, 'final-recipient'));
  // Exim names a local delivery by its file or pipe (`rfc822;/mail/spool/…`): not an address.
  const finalRecipient = written?.includes('@') ? written : (original ?? written);
  if (!finalRecipient) return undefined;
  const diag = text(g, 'diagnostic-code');
  // diagnostic-type is an atom (`smtp`, `X-Postfix`); some MTAs omit it and the text has `;`s.
  const typed = diag ? /^([A-Za-z][\w-]*)\s*;\s*(.*)$/.exec(diag) : null;
  const diagnosticType = typed?.[1];
  const diagnosticCode = typed ? typed[2] : diag;
  const declared = (text(g, 'action') ?? '').toLowerCase().split(/[\s(]/)[0] ?? '';
  const status =
    STATUS_CODE.exec(text(g, 'status') ?? '')?.[0] ??
    STATUS_CODE.exec(diagnosticCode ?? '')?.[0] ??
    (declared === 'delayed' ? '4.0.0' : declared === 'delivered' || declared === 'relayed' || declared === 'expanded' ? '2.0.0' : '5.0.0');
  const action = isAction(declared) ? declared : actionFromStatus(status);
  return compact({
    finalRecipient,
    originalRecipient: original,
    action,
    status,
    diagnosticCode: diagnosticCode || undefined,
    diagnosticType,
    remoteMta: typedMta(text(g, 'remote-mta')),
  });
}

function isAction(s: string): s is DsnAction {
  return (DSN_ACTIONS as readonly string[]).includes(s);
}

function actionFromStatus(status: string): DsnAction {
  return status.startsWith('5') ? 'failed' : status.startsWith('4') ? 'delayed' : 'delivered';
}

function text(g: readonly Header[], name: string): string | undefined {
  const v = headerText(g, name)?.replace(/\s+/g, ' ').trim();
  return v || undefined;
}
