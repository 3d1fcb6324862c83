// A raw SMTP client for tests that must control every byte (smuggling sequences, replies to
// commands in the wrong order): it writes exactly what it is given and reads replies whole.
import net from 'node:net';
import tls from 'node:tls';

export interface Reply {
  readonly code: number;
  /** Every line's text after the code, joined with "\n". */
  readonly text: string;
}

export class RawSmtp {
  private socket: net.Socket;
  private buffer = '';
  private lines: string[] = [];
  private readonly replies: Reply[] = [];
  private waiting: ((r: Reply | Error) => void) | undefined;
  private closedError: Error | undefined;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    this.attach(socket);
  }

  /** Connects and returns the client with the greeting read. */
  static async connect(port: number, host = '127.0.0.1'): Promise<{ client: RawSmtp; greeting: Reply }> {
    const socket = net.connect(port, host);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new RawSmtp(socket);
    return { client, greeting: await client.reply() };
  }

  private attach(socket: net.Socket): void {
    socket.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString('latin1');
      for (let nl = this.buffer.indexOf('\r\n'); nl >= 0; nl = this.buffer.indexOf('\r\n')) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 2);
        this.lines.push(line);
        // "250-..." lines continue a reply; "250 ..." (or a bare code) ends it.
        if (/^\d{3}(?: |$)/.test(line)) {
          const lines = this.lines;
          this.lines = [];
          this.push({ code: Number(line.slice(0, 3)), text: lines.map((l) => l.slice(4)).join('\n') });
        }
      }
    });
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  private push(r: Reply): void {
    const w = this.waiting;
    this.waiting = undefined;
    if (w) w(r);
    else this.replies.push(r);
  }

  private fail(e: Error): void {
    this.closedError ??= e;
    const w = this.waiting;
    this.waiting = undefined;
    w?.(e);
  }

  /** The next reply (waits up to `timeoutMs`). */
  reply(timeoutMs = 20_000): Promise<Reply> {
    const queued = this.replies.shift();
    if (queued) return Promise.resolve(queued);
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiting = undefined;
        reject(new Error(`no SMTP reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting = (r) => {
        clearTimeout(t);
        if (r instanceof Error) reject(r);
        else resolve(r);
      };
    });
  }

  /** Replies received but not yet read. */
  get pending(): number {
    return this.replies.length;
  }

  get closed(): boolean {
    return this.closedError !== undefined;
  }

  write(data: string | Buffer): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  }

  async cmd(line: string): Promise<Reply> {
    this.write(`${line}\r\n`);
    return this.reply();
  }

  /** STARTTLS, trusting `ca`; replaces the socket with the TLS one. */
  async starttls(ca: string): Promise<Reply> {
    const r = await this.cmd('STARTTLS');
    if (r.code !== 220) return r;
    const secure = tls.connect({ socket: this.socket, ca, servername: 'localhost' });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    this.socket.removeAllListeners('data');
    this.socket.removeAllListeners('close');
    this.socket.removeAllListeners('error');
    this.socket = secure;
    this.attach(secure);
    return r;
  }

  async authPlain(user: string, pass: string): Promise<Reply> {
    return this.cmd(`AUTH PLAIN ${Buffer.from(`\u0000${user}\u0000${pass}`).toString('base64')}`);
  }

  close(): void {
    this.socket.destroy();
  }
}
