// Bounces written only for people: no RFC 3464 part, no qmail or Exim layout. DragonFly, Exchange
// 2003, Lotus Notes, IMail, OpenSMTPD, m-FILTER, Gmail's old notices, carriers' "Mail System
// Error", forwarded bounces… all say the same three things in their own words: the recipient (an
// address on a line of its own, or after "to", "recipient", "for"), the remote's reply (a line
// that starts with an SMTP code, or follows "said:", "was:", "<<<"), and whether they will try
// again. This reader looks for those, not for any one program's layout.
import type { SmtpCommand } from './classify.js';
import { STATUS_CODE, type DsnRecipient } from './dsn.js';
import { attachedHeaders, compact, headerText, walk, type Header, type MimePart } from './mime.js';
import { ADDRESS_RE, commandIn, looksLikeBounce, reportText, saysDelayed } from './report-text.js';

export interface TextBounce {
  readonly format: 'text';
  readonly recipients: readonly DsnRecipient[];
  readonly originalHeaders?: readonly Header[];
}

// Text before an address that makes it someone other than the failed recipient.
const NOT_RECIPIENT = /(MAIL FROM:?|envelope[- ]from|\bfrom:?|sender:?|contact|message-?id:?|in-reply-to:?|references:?|\bby|\bid|reply-to:?|return-path:?|errors-to:?|\bsmtp\.mailfrom=|\bon behalf of)\s*[<("']*$/i;
// Text before an address that names it as the recipient.
const RECIPIENT_CONTEXT = /(^|[\s(])(to|for|recipients?|address(es)?|rcpt to|addressee|destinataire|user|mailbox|account|delivering|deliver)\b[^.!?]{0,24}[:\s<]*$|^[\s<"]*$|:\s*<?$/i;
const DAEMON = /^(postmaster|mailer-daemon|mailer_daemon|double-bounce|mdaemon|noreply|no-reply)@/i;
// An SMTP reply inside prose: at a line start, or after the words that introduce one.
const REPLY_IN_LINE = /(?:^|said:|was:|<<<|>>>|\]:|\):|response was:|response:|->|error:|reason:|\bwith)\s*([245]\d\d(?:[ -]|:\s|$).*)$/i;

export function parseText(root: MimePart): TextBounce | undefined {
  const text = reportText(root);
  if (!looksLikeBounce(root, text)) return undefined;
  const delayed = saysDelayed(text, headerText(root.headers, 'subject') ?? '');
  const attached = [...walk(root)].map(attachedHeaders).find((h) => h !== undefined);
  const lines = text.split('\n');
  const found = recipientLines(root, lines, attached);
  const recipients: DsnRecipient[] = [];
  const only = found.length === 1;
  for (let i = 0; i < found.length; i++) {
    const f = found[i];
    if (!f) continue;
    // A recipient's block runs to the next recipient (at most 15 lines); a lone recipient may
    // have its reply anywhere in the notice (MailMarshal prints it before the address).
    const end = Math.min(found[i + 1]?.line ?? lines.length, f.line + 15);
    const block = f.line >= 0 ? lines.slice(f.line, Math.max(end, f.line + 1)).join('\n') : text;
    const reply = replyIn(block) ?? (only ? replyIn(text) : undefined);
    const diagnostic = reply ?? prose(block, f.address) ?? prose(text, f.address);
    const command: SmtpCommand = commandIn(block) || (only ? commandIn(text) : '');
    const status = STATUS_CODE.exec(diagnostic ?? '')?.[0] ?? (delayed ? '4.0.0' : '5.0.0');
    recipients.push(
      compact({
        finalRecipient: f.address,
        action: delayed ? ('delayed' as const) : ('failed' as const),
        // A notice that will retry reports a transient state, whatever class the code had.
        status: delayed && status.startsWith('5') ? `4${status.slice(1)}` : status,
        diagnosticCode: diagnostic || undefined,
        remoteMta: remoteMta(block),
        command,
      }),
    );
  }
  if (recipients.length === 0) return undefined;
  return compact({ format: 'text' as const, recipients, originalHeaders: attached });
}

interface Mention {
  readonly address: string;
  /** Line index in the report text; -1 when taken from headers. */
  readonly line: number;
}

function recipientLines(root: MimePart, lines: readonly string[], attached: readonly Header[] | undefined): Mention[] {
  const exclude = new Set<string>();
  for (const h of ['from', 'to', 'reply-to', 'sender', 'cc']) for (const a of addressesIn(headerText(root.headers, h))) exclude.add(a);
  for (const a of addressesIn(attached && headerText(attached, 'from'))) exclude.add(a);
  const strong: Mention[] = [];
  const weak: Mention[] = [];
  lines.forEach((line, i) => {
    for (const m of line.matchAll(ADDRESS_RE)) {
      const address = m[0].replace(/^[.'-]+|[.'-]+$/g, '');
      const key = address.toLowerCase();
      const before = line.slice(0, m.index);
      if (exclude.has(key) || NOT_RECIPIENT.test(before)) continue;
      if ([...strong, ...weak].some((x) => x.address.toLowerCase() === key)) continue;
      (RECIPIENT_CONTEXT.test(before) ? strong : weak).push({ address, line: i });
    }
  });
  const pick = (xs: Mention[]) => (xs.some((x) => !DAEMON.test(x.address)) ? xs.filter((x) => !DAEMON.test(x.address)) : xs);
  if (strong.length > 0) return pick(strong);
  if (weak.length > 0) return pick(weak);
  // The report names nobody with a domain (Exim's bare local parts, Sendmail's aliases): the
  // returned message says whom it was for.
  const fallback =
    addressesIn(headerText(root.headers, 'x-failed-recipients'))[0] ??
    addressesIn(headerText(root.headers, 'x-original-to'))[0] ??
    (attached && (forAddress(attached) ?? addressesIn(headerText(attached, 'to'))[0])) ??
    // Old Sendmail and others quote the original inline, after the report ("Unsent message follows").
    addressesIn(/^To:[ \t]*(.+)$/m.exec(root.parts.length === 0 ? root.body : '')?.[1])[0];
  return fallback ? [{ address: fallback, line: -1 }] : [];
}

function forAddress(headers: readonly Header[]): string | undefined {
  for (const h of headers) {
    if (h.name !== 'received') continue;
    const m = /\bfor <?([^\s<>;]+@[^\s<>;]+)>?/i.exec(h.value);
    if (m?.[1]) return m[1];
  }
  return undefined;
}

function addressesIn(v: string | undefined): string[] {
  return [...(v ?? '').matchAll(ADDRESS_RE)].map((m) => m[0].toLowerCase());
}

/** The first SMTP reply in a block, its continuation lines joined (`550-5.7.26 …` / `550 5.7.26 …`). */
export function replyIn(block: string): string | undefined {
  const lines = block.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = REPLY_IN_LINE.exec((lines[i] ?? '').trim());
    if (!m?.[1]) continue;
    // Gmail and Yahoo repeat the code (`550 550 5.1.1 …`, `554: …`).
    let first = m[1].replace(/^(\d{3})[ :]+\1\b/, '$1').replace(/^(\d{3}):\s*/, '$1 ');
    const code = first.slice(0, 3);
    const out = [first];
    for (let j = i + 1; j < lines.length && out.length < 8; j++) {
      const next = (lines[j] ?? '').trim();
      if (!next) break;
      if (next.startsWith(code)) out.push(next);
      else if (/^\s/.test(lines[j] ?? '') && !ADDRESS_LINE.test(next)) out.push(next);
      else break;
    }
    first = out.join('\n').replace(/\s*\(in reply to [^)]*\)\s*$/i, '');
    return first;
  }
  return undefined;
}

const ADDRESS_LINE = /^<?[^\s@<>]+@[^\s@<>]+>?:?$/;

// No reply: the reporting server's own words about this recipient, boilerplate left out.
function prose(block: string, address: string): string | undefined {
  const words = block
    .split('\n')
    .map((l) => l.replace(address, '').replace(/<>|[<>]/g, '').trim())
    .filter((l) => l && !/^[-=_*]{3,}|^(to|subject|sent|date):/i.test(l))
    .slice(0, 6)
    .join(' ')
    .replace(/^[:\s.-]+/, '')
    .trim();
  return words ? words.slice(0, 500) : undefined;
}

function remoteMta(block: string): string | undefined {
  const m = /\bhost ([A-Za-z0-9.-]+\.[A-Za-z]{2,})\s*\[|\b([A-Za-z0-9.-]+\.[A-Za-z]{2,}) \[[\d.:a-f]+\] (?:did not like|said)|Remote system: dns; ?([^\s(]+)/i.exec(block);
  return m?.[1] ?? m?.[2] ?? m?.[3];
}
