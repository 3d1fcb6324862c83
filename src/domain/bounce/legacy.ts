// Bounces that are not RFC 3464 reports: qmail's (and Yahoo's qmail-derived) "failure notice",
// classic Exim "Mail delivery failed", and, as a last resort, Exim's X-Failed-Recipients header
// with the first SMTP reply found in the text. Each heuristic keys on the fixed phrases those
// programs print; a message none of them recognises yields undefined, never a guess.
import { parseReply } from '../smtp/reply.js';
import { STATUS_CODE, type DsnAction, type DsnRecipient } from './dsn.js';
import { attachedHeaders, compact, headerText, parseHeaders, partText, splitHead, walk, type Header, type MimePart } from './mime.js';

export type LegacyFormat = 'qmail' | 'exim' | 'x-failed-recipients';

export interface LegacyBounce {
  readonly format: LegacyFormat;
  readonly reportingMta?: string;
  readonly recipients: readonly DsnRecipient[];
  readonly originalHeaders?: readonly Header[];
}

const QMAIL = /This is the qmail-send program|I'm afraid I wasn't able to deliver your message|Sorry, we were unable to deliver your message/i;
const QMAIL_COPY = /^--- (Below this line is|Enclosed are)/m;
const EXIM = /This message was created automatically by mail delivery software/i;
const EXIM_COPY = /^-{6} This is a copy of the message/m;
const REPLY_START = /^[245]\d\d[ -]/;

export function parseLegacy(root: MimePart): LegacyBounce | undefined {
  const textPart = [...walk(root)].find((p) => p.type === 'text/plain' && p.parts.length === 0);
  const text = textPart ? partText(textPart) : '';
  const attached = [...walk(root)].map(attachedHeaders).find((h) => h !== undefined);
  if (QMAIL.test(text)) return qmail(text, attached);
  if (EXIM.test(text)) return exim(text, attached);
  return failedRecipients(root, text, attached);
}

// qmail-send(8) bounce: `<addr>:` then the reason, one paragraph per recipient.
function qmail(text: string, attached: Header[] | undefined): LegacyBounce | undefined {
  const [report = '', copy] = splitAt(text, QMAIL_COPY);
  const temporary = /This is a temporary error/i.test(report);
  const recipients: DsnRecipient[] = [];
  const lines = report.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const addr = /^<([^<>\s]+@[^<>\s]+)>:\s*$/.exec(lines[i] ?? '')?.[1];
    if (!addr) continue;
    const block: string[] = [];
    while (i + 1 < lines.length && (lines[i + 1] ?? '').trim() !== '' && !/^<[^>]*>:\s*$/.test(lines[i + 1] ?? '')) block.push((lines[++i] ?? '').trim());
    const remoteMta = /^(\S+) does not like recipient|^Connected to (\S+) but/.exec(block.join('\n'));
    // Yahoo writes `554: delivery error…`; a reply needs `554 `.
    const said = block.map((l) => l.replace(/^Remote host said:\s*/i, '').replace(/^(\d{3}):\s*/, '$1 '));
    const start = said.findIndex((l) => REPLY_START.test(l));
    const replyLines = start >= 0 ? said.slice(start).filter((l) => !/^Giving up on |^I'm not going to try again/i.test(l)) : [];
    const diagnostic = replyLines.length > 0 ? replyLines.join('\n') : block.join(' ');
    const hash = /\(#([245]\.\d{1,3}\.\d{1,3})\)/.exec(diagnostic)?.[1];
    const status = (replyLines.length > 0 ? parseReply(diagnostic)?.enhanced : undefined) ?? hash ?? (temporary ? '4.0.0' : '5.0.0');
    recipients.push(recipient(addr, temporary ? 'delayed' : 'failed', status, diagnostic, remoteMta?.[1] ?? remoteMta?.[2]));
  }
  if (recipients.length === 0) return undefined;
  return compact({
    format: 'qmail' as const,
    reportingMta: /qmail-send program at ([^\s]+?)\.?$/m.exec(report)?.[1],
    recipients,
    originalHeaders: attached ?? (copy === undefined ? undefined : parseHeaders(splitHead(copy.replace(/^\n+/, '')).head)),
  });
}

// Exim bounce (deliver.c): two-space-indented addresses, each followed by deeper-indented detail.
function exim(text: string, attached: Header[] | undefined): LegacyBounce | undefined {
  const [report = '', copy] = splitAt(text, EXIM_COPY);
  const delayed = /has not yet been delivered/i.test(report);
  const recipients: DsnRecipient[] = [];
  const lines = report.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const addr = /^ {2}(\S+@[^\s:]+):?\s*$/.exec(lines[i] ?? '')?.[1];
    if (!addr) continue;
    const detail: string[] = [];
    while (i + 1 < lines.length && /^ {4,}\S/.test(lines[i + 1] ?? '')) detail.push((lines[++i] ?? '').trim());
    const remoteMta = /(?:^|\s)host (\S+) \[/.exec(detail.join('\n'))?.[1];
    const cleaned = detail
      .filter((l) => !/^\(generated from /.test(l))
      .map((l) => l.replace(/^Delay reason:\s*/i, '').replace(/^host \S+ \[[^\]]*\]:?\s*/, ''));
    const start = cleaned.findIndex((l) => REPLY_START.test(l));
    const diagnostic = (start >= 0 ? cleaned.slice(start).join('\n') : cleaned.filter(Boolean).join(' ')).trim();
    const status = (start >= 0 ? parseReply(diagnostic)?.enhanced : undefined) ?? (delayed ? '4.0.0' : '5.0.0');
    recipients.push(recipient(addr, delayed ? 'delayed' : 'failed', status, diagnostic, remoteMta));
  }
  if (recipients.length === 0) return undefined;
  return compact({
    format: 'exim' as const,
    recipients,
    originalHeaders: attached ?? (copy === undefined ? undefined : parseHeaders(splitHead(copy.replace(/^\n+/, '')).head)),
  });
}

// Exim (and some others) name the failed addresses in a header; pair them with the first reply.
function failedRecipients(root: MimePart, text: string, attached: Header[] | undefined): LegacyBounce | undefined {
  const header = headerText(root.headers, 'x-failed-recipients');
  const addrs = (header ?? '').split(',').map((a) => a.trim().replace(/^<(.*)>$/, '$1')).filter((a) => a.includes('@'));
  if (addrs.length === 0) return undefined;
  const line = /(?:^|\s)([45]\d\d[ -][245]\.\d{1,3}\.\d{1,3}\s.*)$/m.exec(text)?.[1]?.trim();
  const status = (line && STATUS_CODE.exec(line)?.[0]) ?? '5.0.0';
  return compact({
    format: 'x-failed-recipients' as const,
    recipients: addrs.map((a) => recipient(a, 'failed', status, line, undefined)),
    originalHeaders: attached,
  });
}

function recipient(addr: string, action: DsnAction, status: string, diagnostic: string | undefined, remoteMta: string | undefined): DsnRecipient {
  return compact({ finalRecipient: addr, action, status, diagnosticCode: diagnostic || undefined, remoteMta });
}

function splitAt(text: string, marker: RegExp): [string, string | undefined] {
  const m = marker.exec(text);
  if (!m) return [text, undefined];
  const after = text.slice(m.index);
  return [text.slice(0, m.index), after.slice(after.indexOf('\n') + 1)];
}
