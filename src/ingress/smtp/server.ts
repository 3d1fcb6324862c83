// The SMTP submission listener (RFC 6409) of the api role: smtp-server with STARTTLS, AUTH
// PLAIN/LOGIN and the limits of config `submission.*`; handlers.ts decides every step.
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { SMTPServer } from 'smtp-server';
import type { Config } from '../../config/schema.js';
import type { ApiKeyVerifier } from '../auth.js';
import type { SendService } from '../send.js';
import { guardSmtpServer } from '../../lib/smtp-guard.js';
import { SubmissionHandlers } from './handlers.js';
import { AuthThrottle, ConnectionLimiter } from './limits.js';
import { loadSubmissionTls, type TlsPair } from './tls.js';

export interface SubmissionOptions {
  readonly host: string;
  readonly port: number;
  readonly hostname: string;
  readonly tls: TlsPair;
  readonly requireTls: boolean;
  readonly maxMessageBytes: number;
  readonly maxRecipients: number;
  readonly maxConnections: number;
  readonly maxConnectionsPerIp: number;
  readonly authSlowdownAfter: number;
  readonly authLockoutAfter: number;
  readonly authLockoutMs: number;
  readonly idleTimeoutMs: number;
  readonly commandTimeoutMs: number;
  readonly minDataRate: number;
}

export interface SubmissionDeps {
  readonly keys: ApiKeyVerifier;
  readonly send: SendService;
  readonly log: Logger;
  readonly now: () => number;
}

// How long close() lets sessions in progress finish before they get 421 and are cut.
const CLOSE_TIMEOUT_MS = 5000;

export class SubmissionServer {
  private readonly smtp: SMTPServer;

  constructor(
    private readonly opts: SubmissionOptions,
    deps: SubmissionDeps,
  ) {
    const h = new SubmissionHandlers({
      ...deps,
      maxMessageBytes: opts.maxMessageBytes,
      maxRecipients: opts.maxRecipients,
      connections: new ConnectionLimiter(opts.maxConnectionsPerIp, opts.maxConnections),
      throttle: new AuthThrottle({ slowdownAfter: opts.authSlowdownAfter, lockoutAfter: opts.authLockoutAfter, lockoutMs: opts.authLockoutMs }),
    });
    this.smtp = new SMTPServer({
      name: opts.hostname,
      banner: 'txmail submission',
      key: opts.tls.key,
      cert: opts.tls.cert,
      minVersion: 'TLSv1.2',
      // Advertised in EHLO; a MAIL FROM with a larger SIZE= gets 552 at once, and a message
      // that turns out larger gets 552 after its data (handlers.ts).
      size: opts.maxMessageBytes,
      authMethods: ['PLAIN', 'LOGIN'],
      authOptional: false,
      authRequiredMessage: '5.7.0 Authentication required',
      allowInsecureAuth: !opts.requireTls,
      // smtp-server keeps the sessions of a client that never reads its replies; our own per-IP
      // limit is the real bound, this one guards the process.
      maxClients: opts.maxConnections + 10,
      socketTimeout: opts.idleTimeoutMs,
      closeTimeout: CLOSE_TIMEOUT_MS,
      disableReverseLookup: true,
      // We do not carry DSN parameters through to delivery, so we do not offer them.
      hideDSN: true,
      logger: false,
      onConnect: (s, cb) => h.onConnect(s, cb),
      onClose: (s) => h.onClose(s),
      onAuth: (a, s, cb) => h.onAuth(a, s, cb),
      onMailFrom: (a, s, cb) => h.onMailFrom(a, s, cb),
      onRcptTo: (a, s, cb) => h.onRcptTo(a, s, cb),
      onData: (stream, s, cb) => h.onData(stream, s, cb),
    });
    // Per-connection socket errors (a client resetting) arrive here; they are the client's.
    this.smtp.on('error', (err: Error) => deps.log.debug({ err }, 'submission connection error'));
    guardSmtpServer(this.smtp, {
      policy: { commandTimeoutMs: opts.commandTimeoutMs, minDataRate: opts.minDataRate },
      // With require_tls, AUTH before STARTTLS gets 538 (allowInsecureAuth above); not listing
      // it keeps clients that believe EHLO from sending their API key in clear first.
      authOnlyAfterTls: opts.requireTls,
      // Wall-clock time: these deadlines are about sockets, not about the data's timestamps.
      now: Date.now,
      onTimeout: (info) => deps.log.info(info, 'submission: client too slow, connection closed'),
    });
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const server = this.smtp.server;
      server.once('error', reject);
      this.smtp.listen(this.opts.port, this.opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  address(): { host: string; port: number } {
    const a = this.smtp.server.address() as AddressInfo | null;
    if (!a) throw new Error('the submission listener is not listening');
    return { host: a.address, port: a.port };
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.smtp.close(() => resolve()));
  }
}

/** The listener as configured by `submission.*` and `limits.*`; reads (or makes) its certificate now. */
export function submissionFromConfig(config: Config, deps: SubmissionDeps): SubmissionServer {
  const sub = config.submission;
  return new SubmissionServer(
    {
      host: sub.host,
      port: sub.port,
      hostname: config.hostname,
      tls: loadSubmissionTls({ certFile: sub.tls_cert, keyFile: sub.tls_key, dataDir: config.data_dir, hostname: config.hostname, listenHost: sub.host }),
      requireTls: sub.require_tls,
      maxMessageBytes: config.limits.max_message_bytes,
      maxRecipients: config.limits.max_recipients,
      maxConnections: sub.max_connections,
      maxConnectionsPerIp: sub.max_connections_per_ip,
      authSlowdownAfter: sub.auth_slowdown_after,
      authLockoutAfter: sub.auth_lockout_after,
      authLockoutMs: sub.auth_lockout_s * 1000,
      idleTimeoutMs: sub.idle_timeout_s * 1000,
      commandTimeoutMs: sub.command_timeout_s * 1000,
      minDataRate: sub.min_data_rate,
    },
    deps,
  );
}
