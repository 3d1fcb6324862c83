// One outbound SMTP connection, wrapped around nodemailer's SMTPConnection: EHLO with our
// name, STARTTLS per policy, PIPELINING/SIZE/8BITMIME/SMTPUTF8 when offered, several
// recipients per transaction, reuse for the next message, and RFC 5321 §4.5.3.2 timeouts.
// Library errors become values here; nothing above this file sees a nodemailer error.
// Certificates are verified when the target says so (session-tls.ts), and credentials are only
// ever sent over a session whose certificate verified.
import { Readable } from 'node:stream';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { BounceReason } from '../domain/bounce/classify.js';
import { parseReply, type SmtpReply } from '../domain/smtp/reply.js';
import type { TlsRecord, TlsVerification } from '../domain/smtp/tls.js';
import type { TlsMode } from '../config/routes.js';
import { refusedCertificate, sessionTls, tlsOptions } from './session-tls.js';

export interface SessionTarget {
  /** The MX (or route) host name: used for SNI and recorded with the outcome. */
  readonly host: string;
  readonly ip: string;
  readonly port: number;
  readonly tls: TlsMode;
  readonly auth?: { readonly user: string; readonly pass: string };
  /** The certificate must verify for this name (routes with tls required or implicit). */
  readonly verify?: TlsVerification;
}

export interface SessionTimeouts {
  readonly connectMs: number;
  readonly greetingMs: number;
  readonly commandMs: number;
  readonly dataBlockMs: number;
  readonly dataEndMs: number;
}

export interface SessionOptions {
  readonly hostname: string;
  readonly timeouts: SessionTimeouts;
}

export interface Envelope {
  readonly from: string;
  readonly to: readonly string[];
  readonly size: number;
}

/** The result of one transaction. Per-recipient replies are keyed by the address as given. */
export type TransactionResult =
  | { readonly kind: 'replied'; readonly accepted: ReadonlyMap<string, SmtpReply>; readonly rejected: ReadonlyMap<string, SmtpReply> }
  | {
      readonly kind: 'failed';
      readonly reason: BounceReason;
      readonly text: string;
      /** The whole message had been handed to the socket when the failure happened. */
      readonly unknownOutcome: boolean;
    };

export type ConnectResult =
  | { readonly ok: true; readonly session: SmtpSession }
  | { readonly ok: false; readonly reason: BounceReason; readonly text: string; readonly reply?: SmtpReply; readonly tls?: TlsRecord };

interface NodemailerError extends Error {
  code?: string;
  /** The system or TLS error code nodemailer replaced with its own `code` (ESOCKET...). */
  originalCode?: string;
  response?: string;
  responseCode?: number;
  command?: string;
  recipient?: string;
  rejectedErrors?: NodemailerError[];
}

function replyOf(e: NodemailerError): SmtpReply | undefined {
  return e.response ? parseReply(e.response) : undefined;
}

function failureReason(e: NodemailerError): BounceReason {
  if (e.code === 'ETIMEDOUT') return 'timeout';
  if (e.code === 'ETLS') return 'tls_required';
  return 'connection_failed';
}

export class SmtpSession {
  private broken = false;
  /** Settles when the socket is gone: nodemailer emits 'end' once it destroyed it. */
  private readonly ended: Promise<void>;
  private constructor(
    private readonly conn: SMTPConnection,
    readonly target: SessionTarget,
    private readonly opts: SessionOptions,
    /** The TLS this session got, recorded with each attempt made on it. */
    readonly tlsRecord: TlsRecord,
  ) {
    conn.on('error', () => {
      this.broken = true;
    });
    this.ended = new Promise((resolve) => {
      conn.on('end', () => {
        this.broken = true;
        resolve();
      });
    });
  }

  get usable(): boolean {
    return !this.broken;
  }

  get tls(): boolean {
    return this.conn.secure;
  }

  static open(target: SessionTarget, opts: SessionOptions): Promise<ConnectResult> {
    const conn = new SMTPConnection({
      host: target.ip,
      port: target.port,
      name: opts.hostname,
      secure: target.tls === 'implicit',
      ignoreTLS: target.tls === 'none',
      requireTLS: target.tls === 'required',
      opportunisticTLS: target.tls === 'opportunistic',
      tls: tlsOptions(target),
      connectionTimeout: opts.timeouts.connectMs,
      greetingTimeout: opts.timeouts.greetingMs,
      socketTimeout: Math.max(opts.timeouts.commandMs, opts.timeouts.dataEndMs),
      socketCloseTimeout: 0,
      logger: false,
    });
    return new Promise<ConnectResult>((resolve) => {
      let settled = false;
      const where = `${target.host}[${target.ip}]:${target.port}`;
      const refuse = (r: Omit<Extract<ConnectResult, { ok: false }>, 'ok'>): void => {
        if (settled) return;
        settled = true;
        conn.close();
        resolve({ ok: false, ...r });
      };
      const fail = (e: NodemailerError): void => {
        const reply = replyOf(e);
        const cert = refusedCertificate(target, e.originalCode ?? e.code);
        if (cert) return refuse({ reason: 'tls_required', text: `${where}: ${cert.text}`, tls: cert.tls });
        // With TLS required, a server that cannot do STARTTLS fails the policy, not the connection.
        const tlsPolicy = target.tls === 'required' && (e.code === 'ETLS' || e.command === 'STARTTLS' || /STARTTLS/i.test(e.message));
        const noStarttls: TlsRecord = { verified: false, failure: 'starttls-not-supported', detail: e.message };
        refuse({
          reason: tlsPolicy ? 'tls_required' : failureReason(e),
          text: `${where}: ${e.message}`,
          ...(reply ? { reply } : {}),
          ...(tlsPolicy ? { tls: noStarttls } : {}),
        });
      };
      conn.once('error', fail);
      conn.connect((err) => {
        if (err) return fail(err as NodemailerError);
        const tls = sessionTls(conn, target);
        const done = (): void => {
          if (settled) return;
          settled = true;
          conn.removeListener('error', fail);
          resolve({ ok: true, session: new SmtpSession(conn, target, opts, tls) });
        };
        if (!target.auth) return done();
        // Never AUTH over plaintext or unverified TLS, whatever mode the target came with.
        if (!tls.verified) {
          const text = `${where}: credentials not sent: the session is ${conn.secure ? 'encrypted but its certificate was not verified' : 'not encrypted'} (tls: ${target.tls})`;
          return refuse({ reason: 'tls_required', text, tls });
        }
        conn.login({ user: target.auth.user, pass: target.auth.pass }, (e) => (e ? fail(e as NodemailerError) : done()));
      });
    });
  }

  /**
   * Sends one message to one or more recipients. A phase watchdog enforces the RFC 5321
   * timeouts: the envelope (pipelined MAIL/RCPT/DATA) within commandMs, each pause in the
   * data within dataBlockMs, and the reply to the final dot within dataEndMs.
   */
  send(envelope: Envelope, raw: Buffer): Promise<TransactionResult> {
    const { timeouts } = this.opts;
    return new Promise<TransactionResult>((resolveOnce) => {
      let dataEnded = false;
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const resolve = (r: TransactionResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolveOnce(r);
      };
      // nodemailer's close() forgets a send in flight, so a timeout settles the result itself.
      const arm = (ms: number): void => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          this.broken = true;
          this.conn.close();
          resolve({
            kind: 'failed',
            reason: 'timeout',
            text: `${this.target.host}: timed out ${dataEnded ? 'waiting for the reply to the end of data' : 'waiting for a reply'} after ${ms} ms`,
            unknownOutcome: dataEnded,
          });
        }, ms);
      };
      arm(timeouts.commandMs);
      // The message is read only once the server said 354; its end means the final dot follows.
      let pushed = false;
      const body = new Readable({
        read() {
          if (pushed) return;
          pushed = true;
          arm(timeouts.dataBlockMs);
          this.push(raw);
          this.push(null);
        },
      });
      body.once('end', () => {
        dataEnded = true;
        arm(timeouts.dataEndMs);
      });

      this.conn.send({ from: envelope.from, to: [...envelope.to], size: envelope.size, use8BitMime: true }, body, (err, info) => {
        if (!err && info) {
          const final = parseReply(info.response) ?? { code: 250, text: info.response };
          const accepted = new Map<string, SmtpReply>();
          const rejected = new Map<string, SmtpReply>();
          for (const a of info.accepted) accepted.set(a, final);
          for (const e of (info.rejectedErrors ?? []) as NodemailerError[]) {
            if (e.recipient) rejected.set(e.recipient, replyOf(e) ?? { code: 550, text: e.message });
          }
          return resolve({ kind: 'replied', accepted, rejected });
        }
        const e = err as NodemailerError;
        const reply = replyOf(e);
        // A 421 that closes the connection is still an answer: the transaction was not accepted.
        if (reply && (e.code !== 'ECONNECTION' || reply.code === 421)) {
          // A refusal of MAIL, every RCPT, DATA or the final dot: judged per recipient.
          const rejected = new Map<string, SmtpReply>();
          const perRcpt = new Map((e.rejectedErrors ?? []).filter((r) => r.recipient).map((r) => [r.recipient!, replyOf(r) ?? reply]));
          for (const a of envelope.to) rejected.set(a, perRcpt.get(a) ?? reply);
          if (reply.code === 421) this.broken = true;
          return resolve({ kind: 'replied', accepted: new Map(), rejected });
        }
        this.broken = true;
        resolve({ kind: 'failed', reason: failureReason(e), text: `${this.target.host}: ${e.message}`, unknownOutcome: dataEnded });
      });
    });
  }

  /** Clears a failed transaction so the connection can carry the next message. */
  reset(): Promise<boolean> {
    if (this.broken) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.broken = true;
        this.conn.close();
        resolve(false);
      }, this.opts.timeouts.commandMs);
      this.conn.reset((err) => {
        clearTimeout(timer);
        if (err) this.broken = true;
        resolve(!err);
      });
    });
  }

  /**
   * Says QUIT and resolves once the socket is closed (within about a second, however the server
   * answers): a connection slot must not be given back while its socket may still be open.
   */
  close(): Promise<void> {
    const wasBroken = this.broken;
    this.broken = true;
    if (!wasBroken) {
      try {
        this.conn.quit();
      } catch {
        // Already gone; closing below is enough.
      }
    }
    const timer = setTimeout(() => this.conn.close(), wasBroken ? 0 : 1000);
    timer.unref();
    // close() destroys the socket and then emits 'end'; the second timer only guards against a
    // library change leaving a session (and its connection slot) waiting for good.
    let guard: NodeJS.Timeout | undefined;
    const gone = new Promise<void>((resolve) => (guard = setTimeout(resolve, 2000)));
    return Promise.race([this.ended, gone]).finally(() => {
      clearTimeout(timer);
      clearTimeout(guard);
    });
  }
}
