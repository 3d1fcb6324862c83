// The benchmark's SMTP sink: answers the dialogue and counts, parses nothing (BENCHMARKING.md,
// "The sink": a parsing Node sink tops out near 600 msg/s, far below what we measure).
//
// BenchSession is the protocol, sans I/O: bytes in, reply text out. Two modes:
//   command — split lines on LF (a CR before it is dropped), answer each in order, so a client's
//             pipelined group gets its replies in one write; DATA switches to data mode.
//   data    — look for CRLF.CRLF without keeping the message: search each chunk, and carry its
//             last 4 bytes so a terminator split across chunks is still found. The carry starts
//             as the CRLF that ended the DATA line, so an empty message (".\r\n") ends at once.
//
//   node dist/bench/sink.js --port 0     prints {"port":N}; prints the counters on SIGTERM (then
//                                        exits) or when a line "stats" arrives on stdin.
import net from 'node:net';
import readline from 'node:readline';
import { pathToFileURL } from 'node:url';

export interface BenchStats {
  messages: number;
  recipients: number;
  connections: number;
}

const END_OF_DATA = Buffer.from('\r\n.\r\n');
const CRLF = Buffer.from('\r\n');
// A command line longer than this is not SMTP (RFC 5321 §4.5.3.1.4 allows 512 octets).
const MAX_LINE = 64 * 1024;
const SIZE = 50 * 1024 * 1024;

export class BenchSession {
  /** Set once QUIT (or garbage) was answered: write the replies, then end the socket. */
  closed = false;
  private _data = false;
  private _carry: Buffer = Buffer.alloc(0); // data mode: the last bytes seen; command mode: a partial line
  private _hasMail = false;
  private _rcpts = 0;
  private _rcptList: string[] = [];

  /** `_onMessage`, when given, gets the recipients of each accepted message (tests count them; the benchmark does not). */
  constructor(
    private readonly _stats: BenchStats,
    private readonly _hostname = 'bench-sink.test',
    private readonly _onMessage?: (recipients: readonly string[]) => void,
  ) {}

  greeting(): string {
    return `220 ${this._hostname} ESMTP bench sink\r\n`;
  }

  feed(chunk: Buffer): string {
    let out = '';
    let pos = 0;
    while (pos < chunk.length && !this.closed) {
      if (this._data) {
        const end = findEndOfData(this._carry, chunk, pos);
        if (end === -1) {
          this._carry = lastBytes(this._carry, chunk.subarray(pos), 4);
          return out;
        }
        this._data = false;
        this._carry = Buffer.alloc(0);
        this._stats.messages++;
        this._stats.recipients += this._rcpts;
        this._onMessage?.(this._rcptList);
        this._resetTransaction();
        out += `250 2.0.0 Ok: queued as ${this._stats.messages}\r\n`;
        pos = end;
        continue;
      }
      const nl = chunk.indexOf(0x0a, pos);
      if (nl === -1) {
        this._carry = Buffer.concat([this._carry, chunk.subarray(pos)]);
        if (this._carry.length > MAX_LINE) out += this._quit('500 5.5.2 Line too long');
        return out;
      }
      const line = this._carry.length ? Buffer.concat([this._carry, chunk.subarray(pos, nl)]) : chunk.subarray(pos, nl);
      this._carry = Buffer.alloc(0);
      pos = nl + 1;
      out += this._command(line.toString('latin1').replace(/\r$/, ''));
    }
    return out;
  }

  private _command(line: string): string {
    const verb = line.slice(0, 4).toUpperCase();
    switch (verb) {
      case 'EHLO':
        return `250-${this._hostname}\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE ${SIZE}\r\n`;
      case 'HELO':
        return `250 ${this._hostname}\r\n`;
      case 'MAIL':
        if (this._hasMail) return '503 5.5.1 Nested MAIL command\r\n';
        this._hasMail = true;
        return '250 2.1.0 Ok\r\n';
      case 'RCPT':
        if (!this._hasMail) return '503 5.5.1 Need MAIL command\r\n';
        this._rcpts++;
        if (this._onMessage) this._rcptList.push(/<([^>]*)>/.exec(line)?.[1]?.toLowerCase() ?? '');
        return '250 2.1.5 Ok\r\n';
      case 'DATA':
        if (this._rcpts === 0) return '503 5.5.1 Need RCPT command\r\n';
        this._data = true;
        this._carry = CRLF; // the DATA line's own line end
        return '354 End data with <CR><LF>.<CR><LF>\r\n';
      case 'RSET':
        this._resetTransaction();
        return '250 2.0.0 Ok\r\n';
      case 'NOOP':
        return '250 2.0.0 Ok\r\n';
      case 'QUIT':
        return this._quit('221 2.0.0 Bye');
      default:
        return line.length === 0 ? '500 5.5.2 Empty command\r\n' : '502 5.5.1 Command not implemented\r\n';
    }
  }

  private _quit(reply: string): string {
    this.closed = true;
    return `${reply}\r\n`;
  }

  private _resetTransaction(): void {
    this._hasMail = false;
    this._rcpts = 0;
    if (this._rcptList.length > 0) this._rcptList = [];
  }
}

/**
 * Index in `chunk` just past the first CRLF.CRLF at or after `from`, counting one that starts in
 * `carry` (the bytes before `from`, at most 4), or -1. Only the ≤8 bytes around the seam are copied.
 */
export function findEndOfData(carry: Buffer, chunk: Buffer, from: number): number {
  if (carry.length > 0) {
    const seam = Buffer.concat([carry, chunk.subarray(from, from + END_OF_DATA.length - 1)]);
    const i = seam.indexOf(END_OF_DATA);
    // carry is shorter than the terminator, so a match here always ends inside the chunk.
    if (i !== -1) return from + i + END_OF_DATA.length - carry.length;
  }
  const j = chunk.indexOf(END_OF_DATA, from);
  return j === -1 ? -1 : j + END_OF_DATA.length;
}

function lastBytes(carry: Buffer, rest: Buffer, n: number): Buffer {
  // Copied, so the carry does not pin the whole chunk in memory.
  if (rest.length >= n) return Buffer.from(rest.subarray(rest.length - n));
  const joined = Buffer.concat([carry, rest]);
  return Buffer.from(joined.subarray(Math.max(0, joined.length - n)));
}

export interface BenchSink {
  readonly port: number;
  stats(): BenchStats;
  /** Most connections open at once so far. */
  maxConcurrent(): number;
  /** With `record`: how many accepted messages each recipient (lower-cased) got. */
  received(): ReadonlyMap<string, number>;
  close(): Promise<void>;
}

export interface BenchSinkOptions {
  /** Count messages per recipient (for tests that look for losses and duplicates). */
  readonly record?: boolean;
}

export function startBenchSink(port = 0, host = '127.0.0.1', opts: BenchSinkOptions = {}): Promise<BenchSink> {
  const stats: BenchStats = { messages: 0, recipients: 0, connections: 0 };
  const sockets = new Set<net.Socket>();
  const received = new Map<string, number>();
  const onMessage = opts.record ? (rcpts: readonly string[]) => rcpts.forEach((r) => received.set(r, (received.get(r) ?? 0) + 1)) : undefined;
  let maxConcurrent = 0;
  // A connection counts from its arrival until its FIN (readableEnded) or close. The count is
  // taken after the current poll phase (setImmediate): a FIN that reached us before this
  // connection's SYN, but is read in the same batch of events, is then counted as it happened.
  const open = (): number => [...sockets].filter((s) => !s.destroyed && !s.readableEnded).length;
  const server = net.createServer((socket) => {
    stats.connections++;
    sockets.add(socket);
    setImmediate(() => (maxConcurrent = Math.max(maxConcurrent, open())));
    // Replies are small and the client waits for them: Nagle plus delayed ACK would add ~40 ms.
    socket.setNoDelay(true);
    const session = new BenchSession(stats, undefined, onMessage);
    socket.write(session.greeting());
    socket.on('data', (chunk: Buffer) => {
      const out = session.feed(chunk);
      if (out) socket.write(out);
      if (session.closed) socket.end();
    });
    socket.on('error', () => undefined); // a client resetting is its business, not the sink's
    socket.once('close', () => sockets.delete(socket));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const addr = server.address();
      resolve({
        port: typeof addr === 'object' && addr ? addr.port : port,
        stats: () => ({ ...stats }),
        maxConcurrent: () => maxConcurrent,
        received: () => received,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

async function main(argv: readonly string[]): Promise<void> {
  const at = argv.indexOf('--port');
  const port = at === -1 ? 0 : Number(argv[at + 1]);
  const sink = await startBenchSink(port);
  // CPU time lets the caller report the sink's own cost per message next to its ceiling.
  const report = (): string => {
    const cpu = process.cpuUsage();
    return `${JSON.stringify({ ...sink.stats(), cpuMs: Math.round((cpu.user + cpu.system) / 1000) })}\n`;
  };
  process.stdout.write(`${JSON.stringify({ port: sink.port })}\n`);
  readline.createInterface({ input: process.stdin }).on('line', (line) => {
    if (line.trim() === 'stats') process.stdout.write(report());
  });
  process.once('SIGTERM', () => {
    process.stdout.write(report(), () => {
      void sink.close().then(() => process.exit(0));
    });
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
