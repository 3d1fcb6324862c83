// The submission listener's decisions, one hook per SMTP phase; smtp-server speaks the
// protocol and turns an error's responseCode into the reply. A session goes
//   connect (per-IP limits, lockout) → EHLO → STARTTLS → AUTH (API key with the send scope)
//   → MAIL (sender checked) → RCPT... (each checked, at most limits.max_recipients)
//   → DATA (size, bare CR/LF, NUL, X-Txmail headers) → SendService.send → 250 after the commit.
// MAIL, RCPT and DATA before AUTH get 530 from smtp-server itself (authOptional: false).
import type { SMTPServerAddress, SMTPServerAuthentication, SMTPServerAuthenticationResponse, SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import type { Logger } from 'pino';
import { ERRORS, TxError, type ErrorCode } from '../../domain/errors.js';
import { isAddressError, parseMailbox } from '../../domain/address/index.js';
import type { Address, SendRequest } from '../../domain/message/types.js';
import { requireScope, type ApiKeyVerifier, type AuthContext } from '../auth.js';
import { ingestRawMessage } from '../raw-message.js';
import type { SendService } from '../send.js';
import { LineEndingScanner } from './line-endings.js';
import type { AuthThrottle, ConnectionLimiter } from './limits.js';

type Done = (err?: Error | null) => void;

export interface HandlerDeps {
  readonly keys: ApiKeyVerifier;
  readonly send: SendService;
  readonly log: Logger;
  readonly now: () => number;
  readonly maxMessageBytes: number;
  readonly maxRecipients: number;
  readonly connections: ConnectionLimiter;
  readonly throttle: AuthThrottle;
}

/** An SMTP reply from the error registry: code and enhanced status from there, our text. */
export function smtpError(code: ErrorCode, text: string): Error & { responseCode: number } {
  const [reply, enhanced] = ERRORS[code].smtp;
  // One line: smtp-server would turn a line break into a space anyway.
  return Object.assign(new Error(`${enhanced} ${text.replace(/\s+/g, ' ')}`), { responseCode: reply });
}

function fromTxError(e: TxError): Error {
  const fields = e.fields.length > 0 ? `: ${e.fields.map((f) => `${f.path} ${f.message}`).join('; ')}` : '';
  return smtpError(e.code, e.code === 'TX_ERR_VALIDATION' ? `Message refused${fields}` : e.message);
}

export class SubmissionHandlers {
  /** Authenticated sessions; a session that is not here has not passed AUTH. */
  private readonly auth = new Map<string, AuthContext>();
  /** Sessions counted by the connection limiter (a refused one is not, yet still gets onClose). */
  private readonly counted = new Set<string>();

  constructor(private readonly deps: HandlerDeps) {}

  onConnect(session: SMTPServerSession, done: Done): void {
    const ip = session.remoteAddress;
    const locked = this.deps.throttle.lockedUntil(ip, this.deps.now());
    if (locked !== undefined) return done(smtpError('TX_ERR_AUTH_THROTTLED', `Too many failed authentications from ${ip}; try again in ${Math.ceil((locked - this.deps.now()) / 1000)} s`));
    const got = this.deps.connections.acquire(ip);
    if (got !== 'ok') {
      return done(smtpError('TX_ERR_TOO_MANY_CONNECTIONS', got === 'ip' ? `Too many connections from ${ip}; close some and retry` : 'Too many connections; retry later'));
    }
    this.counted.add(session.id);
    done();
  }

  onClose(session: SMTPServerSession): void {
    this.auth.delete(session.id);
    if (this.counted.delete(session.id)) this.deps.connections.release(session.remoteAddress);
  }

  onAuth(a: SMTPServerAuthentication, session: SMTPServerSession, done: (err: Error | null | undefined, res?: SMTPServerAuthenticationResponse) => void): void {
    void this.authenticate(a, session).then(
      (r) => (r instanceof Error ? done(r) : done(null, { user: r.keyId })),
      (e: unknown) => done(e instanceof TxError ? fromTxError(e) : smtpError('TX_ERR_INTERNAL', 'Authentication failed on our side; retry')),
    );
  }

  private async authenticate(a: SMTPServerAuthentication, session: SMTPServerSession): Promise<AuthContext | Error> {
    const ip = session.remoteAddress;
    const now = this.deps.now();
    if (this.deps.throttle.lockedUntil(ip, now) !== undefined) return smtpError('TX_ERR_AUTH_THROTTLED', 'Too many failed authentications; try again later');
    // As SendGrid's SMTP relay: the user name is the literal "apikey", the password an API key.
    const ctx = a.username === 'apikey' && typeof a.password === 'string' ? await this.deps.keys.verify(a.password, now) : undefined;
    if (!ctx) {
      const { delayMs, lockedUntil } = this.deps.throttle.failure(ip, now);
      if (lockedUntil !== undefined) {
        this.deps.log.warn({ ip }, 'submission: too many failed AUTH attempts, address locked out');
        return smtpError('TX_ERR_AUTH_THROTTLED', 'Too many failed authentications; try again later');
      }
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      return smtpError('TX_ERR_UNAUTHENTICATED', 'Authentication credentials invalid: user "apikey", password an API key with the send scope');
    }
    requireScope(ctx, 'send');
    this.deps.throttle.success(ip);
    this.auth.set(session.id, ctx);
    return ctx;
  }

  onMailFrom(address: SMTPServerAddress, session: SMTPServerSession, done: Done): void {
    if (!this.auth.has(session.id)) return done(smtpError('TX_ERR_AUTH_REQUIRED', 'Authentication required'));
    if (address.address === '') return done(smtpError('TX_ERR_INVALID_SENDER', 'A null sender <> is not accepted for submission'));
    const m = parseMailbox(address.address);
    done(isAddressError(m) ? smtpError('TX_ERR_INVALID_SENDER', `Sender address rejected: ${m.error}`) : null);
  }

  onRcptTo(address: SMTPServerAddress, session: SMTPServerSession, done: Done): void {
    // RFC 5321 §4.5.3.1.10: 452 for one too many, and the client sends the rest in another transaction.
    if (session.envelope.rcptTo.length >= this.deps.maxRecipients) {
      return done(smtpError('TX_ERR_TOO_MANY_RECIPIENTS', `Too many recipients: at most ${this.deps.maxRecipients} per message`));
    }
    const m = parseMailbox(address.address);
    done(isAddressError(m) ? smtpError('TX_ERR_INVALID_RECIPIENT', `Recipient address rejected: ${m.error}`) : null);
  }

  onData(stream: SMTPServerDataStream, session: SMTPServerSession, done: (err?: Error | null, message?: string) => void): void {
    const scanner = new LineEndingScanner();
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      scanner.feed(chunk);
      size += chunk.length;
      // Past the limit the rest is only counted (smtp-server keeps reading to the final dot).
      if (size <= this.deps.maxMessageBytes) chunks.push(chunk);
    });
    stream.on('end', () => {
      scanner.end();
      if (stream.sizeExceeded || size > this.deps.maxMessageBytes) {
        return done(smtpError('TX_ERR_TOO_LARGE', `Message size exceeds the fixed maximum message size of ${this.deps.maxMessageBytes} bytes`));
      }
      if (scanner.bare?.kind === 'NUL') {
        return done(smtpError('TX_ERR_NUL_IN_DATA', `NUL byte at byte ${scanner.bare.offset} of the message: message data must not contain NUL (RFC 5321 section 4.1.1.4)`));
      }
      if (scanner.bare) {
        const b = scanner.bare;
        return done(smtpError('TX_ERR_BARE_LINE_ENDING', `Bare ${b.kind} at byte ${b.offset} of the message: lines must end with CRLF (RFC 5321 section 2.3.8)`));
      }
      void this.accept(Buffer.concat(chunks, size), session).then(
        (id) => done(null, `2.0.0 Ok: queued as ${id}`),
        (e: unknown) => {
          if (!(e instanceof TxError)) this.deps.log.error({ err: e }, 'submission: message not accepted');
          done(e instanceof TxError ? fromTxError(e) : smtpError('TX_ERR_INTERNAL', 'Not accepted because of an error on our side; retry'));
        },
      );
    });
  }

  /** The message as a SendRequest through the one send path; resolves with its id once committed. */
  private async accept(data: Buffer, session: SMTPServerSession): Promise<string> {
    const auth = this.auth.get(session.id);
    if (!auth) throw new TxError('TX_ERR_AUTH_REQUIRED', 'Authentication required');
    const { raw, tags, metadata, errors } = ingestRawMessage(data);
    if (errors.length > 0) throw new TxError('TX_ERR_VALIDATION', 'Message refused', errors);
    const envelope = session.envelope;
    const sender = parseMailbox(envelope.mailFrom === false ? '' : envelope.mailFrom.address);
    const to = envelope.rcptTo.map((r) => parseMailbox(r.address)).filter((a): a is Address => !isAddressError(a));
    if (isAddressError(sender)) throw new TxError('TX_ERR_INVALID_SENDER', 'Sender address rejected');
    const request: SendRequest = { from: sender, to, cc: [], bcc: [], content: { kind: 'raw', raw }, tags, metadata, envelopeFrom: sender.address };
    const outcome = await this.deps.send.send(auth.tenantId, [request], { ingress: 'smtp' });
    if (outcome.kind !== 'accepted') throw new TxError('TX_ERR_INTERNAL', 'Unexpected acceptance outcome');
    const m = outcome.messages[0]!;
    this.deps.log.info({ message: m.messageId, tenant: auth.tenantId, recipients: m.recipients.length, via: 'smtp' }, 'message accepted');
    return m.messageId;
  }
}
