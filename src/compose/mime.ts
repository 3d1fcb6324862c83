// MIME composition with nodemailer's composer: encodings, multipart/alternative, attachments,
// inline images, a stable Message-ID on our host name and the acceptance time as Date.
import MailComposer from 'nodemailer/lib/mail-composer';
import { encodeWord } from 'nodemailer/lib/mime-funcs';
import { toCrlf } from '../domain/dkim/canonical.js';
import type { Address, Content } from '../domain/message/types.js';
import { serializeMime } from './serialize.js';

export interface ComposeInput {
  readonly from: Address;
  readonly to: readonly Address[];
  readonly cc: readonly Address[];
  readonly content: Extract<Content, { kind: 'parts' }>;
  /** Message-ID with angle brackets. */
  readonly messageIdHeader: string;
  readonly date: number;
}

const mailbox = (a: Address): { name: string; address: string } => ({ name: a.name ?? '', address: a.address });

/**
 * SMTP needs CRLF line ends. The composer writes CRLF itself; only the caller's text and HTML
 * may carry bare LF (or CR), so those are normalised here instead of running the composer's
 * line-ending transform over the whole output (a stream stage that costs more than the rest).
 */
const crlf = toCrlf;

/**
 * The composer folds a header only at whitespace, so a subject with a long unbroken run (up to
 * 998 characters are allowed) came out as one line of 999+ octets. Such a subject goes as
 * encoded words (RFC 2047), which fold anywhere and read the same.
 */
function foldableSubject(subject: string): string {
  return /[^\s]{70}/.test(subject) ? encodeWord(subject, 'Q', 52) : subject;
}

/** Builds the RFC 5322 message. Bcc recipients are never written into the headers. */
export async function composeMime(input: ComposeInput): Promise<Buffer> {
  const c = input.content;
  const headers: Array<{ key: string; value: string }> = c.headers.map((h) => ({ key: h.name, value: h.value }));
  const composer = new MailComposer({
    from: mailbox(input.from),
    ...(input.to.length > 0 ? { to: input.to.map(mailbox) } : {}),
    ...(input.cc.length > 0 ? { cc: input.cc.map(mailbox) } : {}),
    ...(c.replyTo.length > 0 ? { replyTo: c.replyTo.map(mailbox) } : {}),
    subject: foldableSubject(c.subject),
    ...(c.text !== undefined ? { text: crlf(c.text) } : {}),
    ...(c.html !== undefined ? { html: crlf(c.html) } : {}),
    attachments: c.attachments.map((a) => ({
      filename: a.filename,
      content: a.content,
      contentType: a.contentType,
      contentDisposition: a.disposition,
      ...(a.contentId !== undefined ? { cid: a.contentId } : {}),
    })),
    headers,
    messageId: input.messageIdHeader,
    date: new Date(input.date),
    // Content is ours to give; the composer must never read files or URLs on a caller's behalf.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  const root = composer.compile();
  return serializeMime(root) ?? root.build();
}

/** A Message-ID for message `id` on our host name (RFC 5322 §3.6.4). */
export function messageIdFor(id: string, hostname: string): string {
  return `<${id}@${hostname}>`;
}
