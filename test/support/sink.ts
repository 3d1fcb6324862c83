// A scripted SMTP sink for tests that deliver over real sockets (STYLE rule 8). smtp-server
// speaks the protocol; the recipient or sender address picks each reply (sink-script.ts), and a
// `script` hook covers anything else. We own the net listener and hand sockets to smtp-server,
// so connections are counted at the TCP level (what a per-destination limit is about) and a
// scripted drop can destroy the exact socket a session runs on.
import net from 'node:net';
import tls from 'node:tls';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import { testCert } from './certs.js';
import { context, endOfData, receivedMessage, scriptByAddress, smtpError, type SinkAction, type SinkPhase } from './sink-script.js';
import {
  SINK_CREDENTIALS,
  type ConnectionCounts,
  type ReceivedMessage,
  type Sink,
  type SinkBehaviour,
  type SinkCommand,
  type SinkEvent,
  type SinkOptions,
} from './sink-types.js';

export * from './sink-types.js';
export * from './sink-script.js';

const DEFAULT_SIZE = 50 * 1024 * 1024;

export async function startSink(opts: SinkOptions = {}): Promise<Sink> {
  const sink = new ScriptedSink(opts);
  await sink.listen();
  return sink;
}

interface Waiter {
  readonly check: () => boolean;
  readonly fail: (why: string) => void;
}

class ScriptedSink implements Sink {
  readonly host = '127.0.0.1' as const;
  port = 0;
  readonly messages: ReceivedMessage[] = [];
  readonly events: SinkEvent[] = [];
  readonly commands: SinkCommand[] = [];
  private _behaviour: SinkBehaviour;
  private readonly _attempts = new Map<string, number>();
  // Open TCP sockets. Liveness is read from `destroyed` rather than counted on 'close': STARTTLS
  // makes smtp-server strip every listener off the raw socket, ours included.
  private readonly _live = new Set<net.Socket>();
  private _total = 0;
  private _maxConcurrent = 0;
  private readonly _timers = new Set<NodeJS.Timeout>();
  private readonly _waiters = new Set<Waiter>();
  private readonly _smtp: SMTPServer;
  private readonly _server: net.Server;
  private _seq = 0;
  private _closed = false;
  /** Set for implicit TLS: each accepted socket is wrapped before smtp-server sees it. */
  private readonly _implicit: tls.SecureContext | undefined;

  constructor(opts: SinkOptions) {
    this._behaviour = {
      refuse: opts.refuse ?? false,
      greetingDelayMs: opts.greetingDelayMs ?? 0,
      replyDelayMs: opts.replyDelayMs ?? 0,
      script: opts.script,
    };
    const tlsMode = opts.tls ?? 'offer';
    const pair = opts.cert ?? testCert();
    this._implicit = tlsMode === 'implicit' ? tls.createSecureContext(pair) : undefined;
    const auth = opts.authRequired === true ? SINK_CREDENTIALS : opts.authRequired || undefined;
    const options: SMTPServerOptions = {
      name: opts.hostname ?? 'sink.test',
      banner: opts.banner,
      size: opts.size ?? DEFAULT_SIZE,
      maxRecipients: opts.maxRecipients,
      logger: false,
      disableReverseLookup: true,
      disabledCommands: [...(tlsMode === 'none' ? ['STARTTLS'] : []), ...(auth ? [] : ['AUTH'])],
      hideSTARTTLS: tlsMode === 'none',
      // Implicit TLS: the sockets handed over are TLS already (see _accept).
      secure: tlsMode === 'implicit',
      authOptional: !auth,
      allowInsecureAuth: true,
      // smtp-server's own enhanced codes stay off (its default): scripted replies carry theirs in
      // the text, which smtp-server cannot vary per reply (5.2.2 at RCPT but 5.3.4 after data).
      ...(tlsMode === 'none' ? {} : pair),
      onConnect: (session, cb) => this._onConnect(session, cb),
      onAuth: (a, session, cb) => {
        this._log('auth', a.username ?? '', session);
        if (auth && a.username === auth.user && a.password === auth.pass) return cb(null, { user: a.username });
        cb(Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 }));
      },
      onMailFrom: (address, session, cb) => {
        this._log('mail', address.address, session);
        this._respond('mail', address.address, session, this._decide('mail', [address.address], session), cb);
      },
      onRcptTo: (address, session, cb) =>
        this._respond('rcpt', address.address, session, this._decide('rcpt', [address.address], session), cb),
      onData: (stream, session, cb) => this._onData(stream, session, cb),
    };
    this._smtp = new SMTPServer(options);
    // A client resetting mid-transaction surfaces here; the test sees it from the client side.
    this._smtp.on('error', () => undefined);
    this._server = net.createServer((socket) => this._accept(socket));
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this._server.once('error', reject);
      this._server.listen(0, this.host, () => {
        const addr = this._server.address();
        this.port = typeof addr === 'object' && addr ? addr.port : 0;
        resolve();
      });
    });
  }

  configure(patch: Partial<SinkBehaviour>): void {
    this._behaviour = { ...this._behaviour, ...patch };
  }

  waitFor(n: number, timeoutMs = 5000, filter: (m: ReceivedMessage) => boolean = () => true): Promise<ReceivedMessage[]> {
    const matching = (): ReceivedMessage[] => this.messages.filter(filter);
    if (matching().length >= n) return Promise.resolve(matching());
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this._waiters.delete(waiter);
      };
      const waiter: Waiter = {
        check: () => {
          if (matching().length < n) return false;
          done();
          resolve(matching());
          return true;
        },
        fail: (why) => {
          done();
          reject(new Error(`sink ${this.host}:${this.port}: ${why} waiting for ${n} message(s); ${this._describe(matching().length)}`));
        },
      };
      const timer = setTimeout(() => waiter.fail(`timed out after ${timeoutMs} ms`), timeoutMs);
      this._waiters.add(waiter);
    });
  }

  get connections(): ConnectionCounts {
    return { total: this._total, current: this._current(), maxConcurrent: this._maxConcurrent };
  }

  reset(): void {
    this.messages.length = 0;
    this.events.length = 0;
    this.commands.length = 0;
    this._attempts.clear();
    this._total = this._maxConcurrent = this._current();
  }

  async close(): Promise<void> {
    if (this._closed) return;
    this._closed = true;
    for (const w of [...this._waiters]) w.fail('closed while');
    for (const t of this._timers) clearTimeout(t);
    this._timers.clear();
    const closed = new Promise<void>((resolve) => this._server.close(() => resolve()));
    for (const s of this._live) s.destroy();
    await closed;
  }

  private _accept(socket: net.Socket): void {
    this._total++;
    this._live.add(socket);
    // Counted after the current poll phase: a FIN that reached us before this connection's SYN,
    // but is read in the same batch of events, then ends its connection first, as it did on the wire.
    setImmediate(() => (this._maxConcurrent = Math.max(this._maxConcurrent, this._current())));
    if (this._closed || this._behaviour.refuse === 'close') {
      if (!this._closed) this.events.push({ phase: 'connect', address: '', connectionId: '', action: 'refuse' });
      socket.destroy();
      return;
    }
    if (!this._implicit) return this._smtp.connect(socket);
    // A client that refuses our certificate ends the handshake: no SMTP session, nothing logged.
    const secure = new tls.TLSSocket(socket, { isServer: true, secureContext: this._implicit });
    secure.once('error', () => socket.destroy());
    secure.once('secure', () => this._smtp.connect(secure));
  }

  private _log(phase: SinkCommand['phase'], value: string, session: SMTPServerSession): void {
    this.commands.push({ phase, value, secure: session.secure, connectionId: session.id });
  }

  private _current(): number {
    // readableEnded: the client's FIN arrived (destroyed follows a turn later).
    for (const s of this._live) if (s.destroyed || s.readableEnded) this._live.delete(s);
    return this._live.size;
  }

  private _onConnect(session: SMTPServerSession, cb: (err?: Error | null) => void): void {
    const b = this._behaviour;
    if (b.refuse === '421') {
      this.events.push({ phase: 'connect', address: '', connectionId: session.id, action: 'refuse' });
      this._later(b.greetingDelayMs, () => cb(smtpError({ code: 421, enhanced: '4.3.2', text: 'Service not available, closing channel' })));
      return;
    }
    this._later(b.greetingDelayMs + b.replyDelayMs, () => cb());
  }

  /** The first recipient with an opinion decides; `attempts` is per address (fail-N-then-accept). */
  private _decide(
    phase: SinkPhase,
    addresses: readonly string[],
    session: SMTPServerSession,
    attempts?: readonly number[],
  ): SinkAction | undefined {
    const ctx = context(session);
    for (const [i, address] of addresses.entries()) {
      const action = this._behaviour.script?.(phase, address, ctx) ?? scriptByAddress(phase, address, attempts?.[i] ?? 1);
      if (action !== undefined) return action;
    }
    return undefined;
  }

  private _respond(
    phase: SinkPhase,
    address: string,
    session: SMTPServerSession,
    action: SinkAction | undefined,
    cb: (err?: Error | null) => void,
  ): void {
    if (action === undefined || (typeof action === 'object' && action.code < 400)) {
      this._later(this._behaviour.replyDelayMs, () => cb());
      return;
    }
    this.events.push({ phase, address, connectionId: session.id, action });
    if (action === 'stall') return;
    if (action === 'drop' || action === 'drop-in-data') return this._drop(session);
    this._later(this._behaviour.replyDelayMs, () => cb(smtpError(action)));
  }

  private _onData(stream: SMTPServerDataStream, session: SMTPServerSession, cb: (err?: Error | null, message?: string) => void): void {
    const to = session.envelope.rcptTo.map((r) => r.address);
    // Every DATA try counts for each of its recipients, even when another recipient decides the
    // reply, so a fail-N address's budget does not depend on who it travels with.
    const attempts = to.map((a) => {
      const n = (this._attempts.get(a.toLowerCase()) ?? 0) + 1;
      this._attempts.set(a.toLowerCase(), n);
      return n;
    });
    const action = this._decide('data', to, session, attempts);
    let dropping = false;
    stream.on('error', () => {
      if (!dropping) this.events.push({ phase: 'data', address: to[0] ?? '', connectionId: session.id, action: 'client-closed' });
    });
    if (action === 'drop-in-data') {
      this.events.push({ phase: 'data', address: to[0] ?? '', connectionId: session.id, action });
      dropping = true;
      stream.once('data', () => this._drop(session));
      stream.resume();
      return;
    }
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const seq = ++this._seq;
      const { reply, outcome } = endOfData(stream.sizeExceeded ? 552 : action, seq);
      // Recorded before replying: once a client has its 250, the message is in `messages`.
      this.messages.push(receivedMessage(session, seq, to, Buffer.concat(chunks), outcome, reply));
      for (const w of [...this._waiters]) w.check();
      if (outcome !== 'accepted') {
        const what = reply ?? (outcome === 'stalled' ? 'stall' : 'drop');
        this.events.push({ phase: 'data', address: to[0] ?? '', connectionId: session.id, action: what });
      }
      if (outcome === 'dropped') return this._drop(session);
      if (!reply) return;
      const text = `${reply.enhanced ?? ''} ${reply.text}`.trim();
      this._later(this._behaviour.replyDelayMs, () => (reply.code < 400 ? cb(null, text) : cb(smtpError(reply))));
    });
  }

  private _drop(session: SMTPServerSession): void {
    // The client's port is in the session too, and unique among live loopback connections.
    for (const s of this._live) if (s.remotePort === session.remotePort) s.destroy();
  }

  private _later(ms: number, fn: () => void): void {
    if (ms <= 0) return fn();
    const t = setTimeout(() => {
      this._timers.delete(t);
      fn();
    }, ms);
    this._timers.add(t);
  }

  private _describe(got: number): string {
    const c = this.connections;
    const outcomes = this.messages.map((m) => `#${m.seq} ${m.to.join(',')} ${m.outcome}`).join('; ') || 'none';
    const events = this.events
      .slice(-5)
      .map(
        (e) => `${e.phase} ${e.address || '-'}: ${typeof e.action === 'object' ? `${e.action.code} ${e.action.enhanced ?? ''}` : e.action}`,
      );
    return `got ${got}; messages: ${outcomes}; connections total=${c.total} current=${c.current} max=${c.maxConcurrent}; last events: ${events.join('; ') || 'none'}`;
  }
}
