// The scripted sink's public types; sink.ts re-exports them, so tests import from there.
import type { ParsedMail } from 'mailparser';
import type { SmtpReply } from '../../src/domain/smtp/reply.js';
import type { HeaderField, SinkAction, SinkPhase, SinkScript } from './sink-script.js';

/** `close`: accept the TCP connection and close it at once; `421`: greet with 421 and close. */
export type RefuseMode = false | 'close' | '421';

/** Behaviour that can change while the sink runs, via `configure()`. */
export interface SinkBehaviour {
  readonly refuse: RefuseMode;
  /** Delay before the 220 greeting (smtp-server adds its own 100 ms early-talker pause). */
  readonly greetingDelayMs: number;
  /** "Slow accept": delay the greeting and every MAIL, RCPT and end-of-data reply. */
  readonly replyDelayMs: number;
  /** Consulted before the address script; return undefined to fall through to it. */
  readonly script: SinkScript | undefined;
}

export interface SinkCredentials {
  readonly user: string;
  readonly pass: string;
}

export const SINK_CREDENTIALS: SinkCredentials = { user: 'sink', pass: 'sink-password' };

export interface SinkOptions extends Partial<SinkBehaviour> {
  /**
   * `offer`: STARTTLS; `none`: not advertised nor accepted; `implicit`: TLS from the first byte
   * (port 465 style). The certificate is `cert`, else the per-run one of certs.ts.
   */
  readonly tls?: 'offer' | 'none' | 'implicit';
  readonly cert?: { readonly key: string; readonly cert: string };
  /** Advertised SIZE; larger messages get 552 5.3.4. */
  readonly size?: number;
  readonly banner?: string;
  readonly hostname?: string;
  /** Require AUTH PLAIN/LOGIN (allowed without TLS: this is loopback); `true` uses SINK_CREDENTIALS. */
  readonly authRequired?: boolean | SinkCredentials;
  /** Recipients per transaction; smtp-server answers 452 to the ones past it. */
  readonly maxRecipients?: number;
}

/** `stalled` and `dropped`: the whole message arrived but the client never got a reply. */
export type MessageOutcome = 'accepted' | 'rejected' | 'stalled' | 'dropped';

export interface ReceivedMessage {
  /** 1-based, across the life of the sink; also in the 250 text ("queued as N"). */
  readonly seq: number;
  readonly connectionId: string;
  /** Ordinal of the transaction within its connection. */
  readonly transaction: number;
  readonly heloName: string;
  readonly from: string;
  /** The recipients accepted in this transaction, in RCPT order. */
  readonly to: readonly string[];
  /** The message as the client meant it: dot-unstuffed, line ends untouched, no final dot. */
  readonly raw: Buffer;
  readonly secure: boolean;
  readonly authUser: string | undefined;
  readonly outcome: MessageOutcome;
  /** The reply to the final dot; undefined when none was sent. */
  readonly reply: SmtpReply | undefined;
  headers(): HeaderField[];
  /** First value of a header field, name case-insensitive. */
  header(name: string): string | undefined;
  parse(): Promise<ParsedMail>;
}

/** A decision other than a plain accept, or a client that left mid-DATA: for assertions and for waitFor's error. */
export interface SinkEvent {
  readonly phase: SinkPhase | 'connect';
  readonly address: string;
  readonly connectionId: string;
  readonly action: SinkAction | 'refuse' | 'client-closed';
}

/** An AUTH or MAIL command as the sink received it, and whether the session was under TLS by then. */
export interface SinkCommand {
  readonly phase: 'auth' | 'mail';
  /** The user name for AUTH, the reverse path for MAIL. */
  readonly value: string;
  readonly secure: boolean;
  readonly connectionId: string;
}

/** TCP connections, refused ones included. */
export interface ConnectionCounts {
  readonly total: number;
  readonly current: number;
  readonly maxConcurrent: number;
}

export interface Sink {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly messages: readonly ReceivedMessage[];
  readonly events: readonly SinkEvent[];
  /** Every AUTH and MAIL received, accepted or not. */
  readonly commands: readonly SinkCommand[];
  readonly connections: ConnectionCounts;
  /** Resolves with the matching messages once `n` have been received (any outcome unless filtered). */
  waitFor(n: number, timeoutMs?: number, filter?: (m: ReceivedMessage) => boolean): Promise<ReceivedMessage[]>;
  configure(patch: Partial<SinkBehaviour>): void;
  /** Forgets messages, events and fail-N attempt counts; connection counts restart from the open ones. */
  reset(): void;
  /** Destroys open connections (releasing stalls) and stops listening. */
  close(): Promise<void>;
}
