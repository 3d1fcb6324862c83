// What the scripted sink answers, decided from an address alone (KumoMTA's maildir-sink style),
// so one sink serves every case of a test, and the values it records. No I/O: sink.ts keeps the
// per-address attempt counts and owns the sockets. The local part picks the behaviour; anything after it keeps addresses unique:
//   rcpt-NNN-x@   reply NNN to RCPT (421 also closes)     data-NNN-x@  reply NNN after the final dot
//   mail-NNN-x@   (as sender) reply NNN to MAIL           fail-N-then-accept-x@  451 for N DATA tries
//   stall-mail|rcpt|data@  never reply to that phase      drop-mail|rcpt@  close without replying
//   drop-data@    close mid-DATA, before the final dot    drop-after-dot@  take it all, close, no reply
//   accept-x@ and anything else: 250.
import type { SMTPServerSession } from 'smtp-server';
import { simpleParser } from 'mailparser';
import type { SmtpReply } from '../../src/domain/smtp/reply.js';
import type { MessageOutcome, ReceivedMessage } from './sink-types.js';

export type SinkPhase = 'mail' | 'rcpt' | 'data';

/**
 * A reply to send, or: `stall` never answers (until the sink closes); `drop` closes the socket
 * instead of answering (at `data`: after the whole message arrived, so the outcome is unknown to
 * the client); `drop-in-data` closes while the message is still arriving.
 */
export type SinkAction = SmtpReply | 'stall' | 'drop' | 'drop-in-data';

/** What a custom script sees of the session. */
export interface ScriptContext {
  readonly connectionId: string;
  readonly secure: boolean;
  /** Envelope sender so far ('' before MAIL, and for the null sender). */
  readonly from: string;
  /** Recipients accepted so far in this transaction. */
  readonly recipients: readonly string[];
}

export type SinkScript = (phase: SinkPhase, address: string, ctx: ScriptContext) => SinkAction | undefined;

const CODE = /^(mail|rcpt|data)-([2-5]\d\d)(?:-|$)/;
const STALL = /^stall-(mail|rcpt|data)(?:-|$)/;
const DROP = /^drop-(mail|rcpt|data|after-dot)(?:-|$)/;
const FAIL_THEN_ACCEPT = /^fail-(\d+)-then-accept(?:-|$)/;

/**
 * The address script. `attempt` is the 1-based count of DATA transactions that have carried this
 * exact address, including the current one (only `fail-N-then-accept` reads it).
 */
export function scriptByAddress(phase: SinkPhase, address: string, attempt = 1): SinkAction | undefined {
  const local = localPart(address);
  const code = CODE.exec(local);
  if (code) return code[1] === phase ? defaultReply(phase, Number(code[2])) : undefined;
  const stall = STALL.exec(local);
  if (stall) return stall[1] === phase ? 'stall' : undefined;
  const drop = DROP.exec(local);
  if (drop) {
    if (phase !== 'data') return drop[1] === phase ? 'drop' : undefined;
    if (drop[1] === 'data') return 'drop-in-data';
    return drop[1] === 'after-dot' ? 'drop' : undefined;
  }
  const fail = FAIL_THEN_ACCEPT.exec(local);
  if (fail && phase === 'data' && attempt <= Number(fail[1])) return defaultReply('data', 451);
  return undefined;
}

export function localPart(address: string): string {
  const at = address.lastIndexOf('@');
  return (at === -1 ? address : address.slice(0, at)).toLowerCase();
}

type Canned = readonly [enhanced: string, text: string];

// What real MXs tend to say for each code. 552 differs by phase: at RCPT it is the mailbox
// (5.2.2), after the data it is the message (5.3.4).
const CANNED: Readonly<Record<number, Canned>> = {
  250: ['2.0.0', 'OK'],
  421: ['4.3.2', 'Service shutting down, closing channel'],
  450: ['4.2.0', 'Mailbox busy, try later'],
  451: ['4.3.0', 'Local error in processing, try later'],
  452: ['4.2.2', 'Mailbox full'],
  550: ['5.1.1', 'User unknown'],
  551: ['5.1.6', 'User not local'],
  552: ['5.2.2', 'Mailbox full'],
  553: ['5.1.3', 'Mailbox name not allowed'],
  554: ['5.7.1', 'Message rejected'],
};
const BY_PHASE: Readonly<Partial<Record<SinkPhase, Readonly<Record<number, Canned>>>>> = {
  mail: { 550: ['5.7.1', 'Sender address rejected'], 553: ['5.1.7', 'Bad sender address syntax'] },
  data: { 550: ['5.7.1', 'Message rejected as spam'], 552: ['5.3.4', 'Message too big for system'] },
};

export function defaultReply(phase: SinkPhase, code: number): SmtpReply {
  const [enhanced, text] = BY_PHASE[phase]?.[code] ?? CANNED[code] ?? [`${Math.floor(code / 100)}.0.0`, 'Scripted reply'];
  return { code, enhanced, text };
}

/** One header field, its folded lines joined (RFC 5322 §2.2.3). */
export interface HeaderField {
  readonly name: string;
  readonly value: string;
}

/**
 * Header fields of a raw message in order, folded lines joined. Accepts bare LF line ends too:
 * the sink records whatever a client sent, and a test may be checking exactly that.
 */
export function parseHeaders(raw: Buffer): HeaderField[] {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  const end = crlf === -1 ? lf : lf === -1 ? crlf : Math.min(crlf, lf);
  const block = raw.subarray(0, end === -1 ? raw.length : end).toString('utf8');
  const fields: HeaderField[] = [];
  for (const line of block.split(/\r?\n/)) {
    const last = fields[fields.length - 1];
    if (/^[ \t]/.test(line) && last) fields[fields.length - 1] = { name: last.name, value: `${last.value} ${line.trim()}` };
    else {
      const colon = line.indexOf(':');
      if (colon > 0) fields.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() });
    }
  }
  return fields;
}

/**
 * The reply to the final dot and how the message is recorded. A number is a code to answer with
 * its canned text (552 for an oversized message); stall and drop send nothing.
 */
export function endOfData(action: SinkAction | number | undefined, seq: number): { reply: SmtpReply | undefined; outcome: MessageOutcome } {
  if (action === undefined) return { reply: { code: 250, enhanced: '2.0.0', text: `OK queued as ${seq}` }, outcome: 'accepted' };
  const reply = typeof action === 'number' ? defaultReply('data', action) : action;
  if (reply === 'stall') return { reply: undefined, outcome: 'stalled' };
  if (reply === 'drop' || reply === 'drop-in-data') return { reply: undefined, outcome: 'dropped' };
  return { reply, outcome: reply.code < 400 ? 'accepted' : 'rejected' };
}

export function context(session: SMTPServerSession): ScriptContext {
  return {
    connectionId: session.id,
    secure: session.secure,
    from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
    recipients: session.envelope.rcptTo.map((r) => r.address),
  };
}

/** smtp-server turns a hook's error into the reply: `responseCode` plus the message as text. */
export function smtpError(reply: SmtpReply): Error & { responseCode: number } {
  return Object.assign(new Error(`${reply.enhanced ?? ''} ${reply.text}`.trim()), { responseCode: reply.code });
}

export function receivedMessage(
  session: SMTPServerSession,
  seq: number,
  to: readonly string[],
  raw: Buffer,
  outcome: MessageOutcome,
  reply: SmtpReply | undefined,
): ReceivedMessage {
  let headers: HeaderField[] | undefined;
  const msg: ReceivedMessage = {
    seq,
    connectionId: session.id,
    transaction: session.transaction,
    heloName: session.hostNameAppearsAs,
    from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
    to,
    raw,
    secure: session.secure,
    authUser: typeof session.user === 'string' ? session.user : undefined,
    outcome,
    reply,
    headers: () => (headers ??= parseHeaders(raw)),
    header: (name) => msg.headers().find((h) => h.name.toLowerCase() === name.toLowerCase())?.value,
    parse: () => simpleParser(raw),
  };
  return msg;
}
