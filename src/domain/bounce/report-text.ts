// The human-readable side of a bounce: the text a mail server wrote for people, cut where the
// returned message begins, and the few facts every family states in words: which SMTP command
// the remote refused, whether the server is still trying, and whether a message is a bounce at all.
import { headerText, partText, walk, type MimePart } from './mime.js';
import type { SmtpCommand } from './classify.js';

export const ADDRESS_RE = /[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+/g;

// Where the returned message (or its headers) starts inside the text: each family's marker, then
// the first header line of a quoted original.
const ORIGINAL_START = new RegExp(
  [
    /^-+ ?(Below this line is a copy|This is a copy of|Original message|Original Message|Unsent Message below|Message headers follow|The header of the original|Header of the original|original message follows)/,
    /^\s*(Below is a copy of the original message|Message headers follow|Original message follows|Original message headers|The original message headers|Your original message|-+ ?original message ?-+|-{5,}\s*original message)/i,
    /^-+ ?Original message ?-*$/i,
    /^(Return-Path|Received|DKIM-Signature|X-Received|Message-I[Dd]|ARC-Seal): /,
  ]
    .map((r) => `(?:${r.source})`)
    .join('|'),
  'm',
);

/** The leaf text parts of a bounce, plain before HTML, without the attached original. */
export function reportText(root: MimePart): string {
  const leaves = [...walk(root)].filter((p) => p.parts.length === 0);
  const plain = leaves.filter((p) => p.type === 'text/plain' || (p === root && !p.type.startsWith('message/')));
  const html = leaves.filter((p) => p.type === 'text/html');
  const texts = plain.length > 0 ? plain.map(partText) : html.map((p) => htmlToText(partText(p)));
  return texts.map(cutOriginal).join('\n');
}

export function cutOriginal(text: string): string {
  const m = ORIGINAL_START.exec(text);
  return m ? text.slice(0, m.index) : text;
}

function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>|<\/(p|div|tr|li|h\d)>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/&nbsp;/g, ' ');
}

// What each family prints for the command the remote answered. Order matters: the first kind
// found in a block names it (Sendmail prints `>>> DATA` then `<<< 550 …`).
const COMMANDS: ReadonlyArray<readonly [Exclude<SmtpCommand, ''>, RegExp]> = [
  ['DATA', /in reply to (end of )?DATA command|(>>>|<<<) DATA\b|after (end of )?data\b|\bour (final )?DATA\b|\bend of data\b|\bafter DATA\b|-{5,} ?SMTP command\s+DATA\b|\bfor TEXT command\b|\bfailed on DATA command\b|\bfailed after I sent the message\b/i],
  ['RCPT', /in reply to RCPT TO command|(>>>|<<<) RCPT TO\b|after RCPT( TO)?\b|our RCPT TO\b|most progress was RCPT TO|does not like recipient\b|\bfor RCPT command\b|-{5,} ?SMTP command\s+RCPT/i],
  ['MAIL', /in reply to MAIL FROM command|(>>>|<<<) MAIL FROM\b|after MAIL( FROM)?\b|our MAIL FROM\b|does not like sender\b/i],
  ['HELO', /in reply to (HELO|EHLO) command|>>> (HELO|EHLO)\b|after (HELO|EHLO)\b|performing the (HELO|EHLO) handshake/i],
  ['CONN', /in reply to (the )?initial (greeting|protocol)|while performing the initial protocol|greeting from remote|\bconnect to [^\s:]+:? (Connection|No route)/i],
];

/** The command a block of report text says was refused; '' when it names none. */
export function commandIn(text: string): SmtpCommand {
  const flat = text.replace(/\s+/g, ' ');
  for (const [cmd, re] of COMMANDS) if (re.test(flat)) return cmd;
  return '';
}

// "Still trying" in the words of Exim, Gmail, Sendmail, Postfix and Exchange warnings.
const DELAYED =
  /\bhas not yet been delivered\b|\bhas been delayed\b|\bTHIS IS A WARNING MESSAGE ONLY\b|\bwill (be retried|continue to (try|be attempted))\b|\bdelivery attempts will continue\b|\bstill (trying|be trying)\b|\bwill keep trying\b|\bdelivery (is )?delayed\b|\bDelayed Mail\b|\bwarning: (message|could not send)|\bis delayed for more than\b|\bonly a temporary failure report\b/i;

export function saysDelayed(text: string, subject: string): boolean {
  return DELAYED.test(text) || /^(warning|delayed|delay)\b|\(delay\)|\bdelayed\b/i.test(subject);
}

const DAEMON_FROM = /mailer[-_ ]?daemon|post_?master|mail ?delivery|mail\.delivery|\bmdaemon\b|\bmailer@|\bmail administrator\b|\bsystem administrator\b/i;
const BOUNCE_SUBJECT =
  /undeliver|undelivered|returned mail|returned to sender|delivery status notification|delivery (failure|failed|has failed|notification|problem|report)|failure notice|mail delivery (failed|failure|system)|non[- ]?delivery|could not be delivered|not delivered|mail system error|delivery status|permanent error|message delayed|\bdelayed\b|delivery warning|nondeliverable|mail (could not|couldn't) be delivered|unable to deliver|returned message|bounced? ?(mail|message)?\b|error sending message|message you sent|unzustellbar|nicht zustellbar|non remis|non distribuable|onbestelbaar|no entregado|no se (puede|pudo) entregar|non recapitabile|não entregue|配信|不達|返送|エラー/i;
const BOUNCE_BODY =
  /could not be delivered|couldn't be delivered|wasn't delivered|was not delivered|could not be reached|unable to deliver|undeliverable|delivery (has )?failed|failed to (be )?deliver|permanent (fatal )?error|error delivering|delivery to the following recipient|not yet been delivered|was rejected by|did not reach|could not deliver|following recipients? (was|were|did|could)|returned to (you|sender)|mailer-daemon|delivery status notification|transcript of session follows|no valid recipients|requested action not taken/i;
// Phrases only a delivery failure notice prints: enough without a daemon sender or a subject.
const NOTICE_BODY =
  /Could not be delivered to: <|\bwas not delivered to:|did not reach the following recipient|-{3,} ?Failure Reasons|Unable to deliver message to <|This message was created automatically by mail delivery software|\bThis is the mail system at host\b|I'm afraid I wasn't able to deliver|The following addresses had (permanent fatal errors|delivery problems)|Delivery to the following recipients? (failed|has been delayed)|This is the MAILER-DAEMON, please DO NOT REPLY/i;

/** Whether a message reads as a delivery failure notice (sender, subject, or its own words). */
export function looksLikeBounce(root: MimePart, text: string): boolean {
  const from = headerText(root.headers, 'from') ?? '';
  const subject = headerText(root.headers, 'subject') ?? '';
  const returnPath = headerText(root.headers, 'return-path') ?? '';
  const daemon = DAEMON_FROM.test(from) || /^<>$/.test(returnPath.trim()) || /<>\s*$/.test(from);
  const subj = BOUNCE_SUBJECT.test(subject);
  // fml (a mailing-list manager) answers from `<list>-admin@` with an X-MLServer header.
  const mlserver = headerText(root.headers, 'x-mlserver') !== undefined && /-admin@/i.test(from);
  return (daemon && (subj || BOUNCE_BODY.test(text))) || (subj && BOUNCE_BODY.test(text)) || NOTICE_BODY.test(text) || mlserver;
}

/**
 * RFC 3834 automatic responses (vacation, out of office): not bounces, whatever their wording.
 * Many MTAs also mark their bounces `Auto-Submitted: auto-replied`, so the header only counts
 * when the sender is not a mail system and the text is not a failure notice's; the caller tries
 * RFC 3464 reports before asking.
 */
export function isAutoReply(root: MimePart, text: string): boolean {
  const from = headerText(root.headers, 'from') ?? '';
  if (DAEMON_FROM.test(from) || /<>\s*$/.test(from) || NOTICE_BODY.test(text)) return false;
  const auto = (headerText(root.headers, 'auto-submitted') ?? '').trim().toLowerCase();
  const subject = (headerText(root.headers, 'subject') ?? '').trim();
  return (
    auto.startsWith('auto-replied') ||
    headerText(root.headers, 'x-autoreply') !== undefined ||
    headerText(root.headers, 'x-autorespond') !== undefined ||
    /^auto[-_]?reply$/i.test((headerText(root.headers, 'precedence') ?? '').trim()) ||
    /^(auto(matic)?[- ]?(reply|response|antwort)|out of (the )?office|vacation|abwesenheit|absence)\b/i.test(subject)
  );
}

/** ARF (RFC 5965): a complaint, never a bounce. */
export function isFeedbackReport(root: MimePart): boolean {
  return [...walk(root)].some((p) => p.type === 'message/feedback-report' || (p.type === 'multipart/report' && (p.params['report-type'] ?? '').toLowerCase() === 'feedback-report'));
}

/** The lines of a report about one recipient: from its first mention to the next blank line. */
export function paragraphOf(text: string, address: string): string | undefined {
  const lines = text.split('\n');
  const lower = address.toLowerCase();
  const at = lines.findIndex((l) => l.toLowerCase().includes(lower));
  if (at < 0) return undefined;
  const out: string[] = [];
  for (let i = at; i < lines.length && out.length < 12; i++) {
    const l = lines[i] ?? '';
    if (!l.trim() && out.length > 0) break;
    out.push(l);
  }
  return out.join('\n');
}
