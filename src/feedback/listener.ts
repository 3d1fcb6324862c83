// The bounce listener: an inbound SMTP server for the bounce subdomains (the MX that each
// domain's return-path record points at). It takes mail only for valid VERP and mailto tokens
// and the fbl@ address, refuses every other recipient at RCPT (no relay, no open sink), and
// answers the final dot only after the report was recorded, or with a refusal in the session
// (never a bounce of our own: no backscatter). smtp-server speaks the protocol; the decisions
// are processor.ts's and domain/feedback's.
import type { Logger } from 'pino';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { generateSelfSigned } from '../lib/self-signed.js';
import { guardSmtpServer } from '../lib/smtp-guard.js';
import type { DeadlinePolicy } from '../domain/smtp/deadline.js';
import type { SmtpReply } from '../domain/smtp/reply.js';
import type { FeedbackAddress } from '../domain/feedback/verp.js';
import type { FeedbackProcessor } from './processor.js';

export interface BounceListenerOptions {
  readonly host: string;
  readonly port: number;
  /** Our name in the greeting and the STARTTLS certificate. */
  readonly hostname: string;
  readonly maxMessageBytes: number;
  /** Per-command deadline and minimum DATA rate (config `bounce.command_timeout_s`, `bounce.min_data_rate`). */
  readonly deadlines: DeadlinePolicy;
  readonly processor: FeedbackProcessor;
  readonly log: Logger;
}

export interface BounceListener {
  readonly port: number;
  close(): Promise<void>;
}

// Reports come from a few MTAs at a time; this bounds what a flood of connections can hold.
const MAX_CLIENTS = 200;

/** smtp-server turns a hook's error into the reply: `responseCode` and the message as text. */
function smtpError(r: SmtpReply): Error & { responseCode: number } {
  return Object.assign(new Error(`${r.enhanced ?? ''} ${r.text}`.trim()), { responseCode: r.code });
}

const TEMPORARY: SmtpReply = { code: 451, enhanced: '4.3.0', text: 'temporary failure recording the report; try again later' };

export async function startBounceListener(o: BounceListenerOptions): Promise<BounceListener> {
  // Opportunistic TLS for the MTAs that prefer it; they do not check an MX's certificate
  // (RFC 7435), so a self-signed one serves until an operator configures a proxy in front.
  const tls = generateSelfSigned(o.hostname);
  const server = new SMTPServer({
    name: o.hostname,
    banner: 'bounces and feedback only',
    size: o.maxMessageBytes,
    key: tls.key,
    cert: tls.cert,
    authOptional: true,
    disabledCommands: ['AUTH'],
    disableReverseLookup: true,
    maxClients: MAX_CLIENTS,
    logger: false,
    // DSNs come from the null sender (RFC 3464 §2); complaints and mailto unsubscribes from anyone.
    onMailFrom: (_address, _session, cb) => cb(),
    onRcptTo: (address, _session, cb) => {
      o.processor.recipient(address.address).then(
        ({ reply }) => {
          if (!reply) return cb();
          o.log.info({ rcpt: address.address, reply: reply.code }, 'bounce listener refused a recipient');
          cb(smtpError(reply));
        },
        (err: unknown) => {
          o.log.error({ err }, 'bounce listener: checking a recipient failed');
          cb(smtpError(TEMPORARY));
        },
      );
    },
    onData: (stream, session, cb) => void onData(o, stream, session, cb),
  });
  server.on('error', (err) => o.log.warn({ err }, 'bounce listener connection error'));
  // Wall-clock time: these deadlines are about sockets, not about the data's timestamps.
  guardSmtpServer(server, {
    policy: o.deadlines,
    authOnlyAfterTls: false,
    now: Date.now,
    onTimeout: (info) => o.log.info(info, 'bounce listener: client too slow, connection closed'),
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const addr = server.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : o.port;
  o.log.info({ host: o.host, port }, 'bounce listener started');
  return {
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function onData(
  o: BounceListenerOptions,
  stream: SMTPServerDataStream,
  session: SMTPServerSession,
  cb: (err?: Error | null, message?: string) => void,
): Promise<void> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk as Buffer);
  } catch (err) {
    o.log.warn({ err }, 'bounce listener: reading the message failed');
    return cb(smtpError(TEMPORARY));
  }
  if (stream.sizeExceeded) return cb(smtpError({ code: 552, enhanced: '5.3.4', text: 'report too large' }));
  try {
    const recipients: FeedbackAddress[] = [];
    for (const r of session.envelope.rcptTo) recipients.push((await o.processor.recipient(r.address)).address);
    const reply = await o.processor.inbound(recipients, Buffer.concat(chunks));
    if (reply.code >= 400) return cb(smtpError(reply));
    cb(null, `${reply.enhanced ?? ''} ${reply.text}`.trim());
  } catch (err) {
    o.log.error({ err }, 'bounce listener: recording a report failed');
    cb(smtpError(TEMPORARY));
  }
}
