// Measures the bench sink's ceiling, so a txmail figure can be reported next to it
// (BENCHMARKING.md, "The sink"). The sink runs as its own process, as in the benchmark; this
// process is the client:
//   --client nodemailer   SMTPConnection, one message at a time per connection (txmail's client)
//   --client raw          batches of transactions written without waiting for any reply, to
//                         find the sink's own limit when nodemailer is the bottleneck
//   node dist/bench/sink-ceiling.js [--connections 10] [--messages 2000] [--client nodemailer|raw]
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import net from 'node:net';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import SMTPConnection from 'nodemailer/lib/smtp-connection';

interface SinkReport {
  messages: number;
  recipients: number;
  connections: number;
  cpuMs: number;
}

type Client = (port: number, message: Buffer, count: number) => Promise<void>;

const RAW_BATCH = 50;

function arg(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : (process.argv[at + 1] ?? fallback);
}

/** A 2 KB message: headers and 76-column body lines, CRLF, no line starting with a dot. */
function message2k(): Buffer {
  const head = 'From: bench@source.test\r\nTo: sink@dest.test\r\nSubject: ceiling\r\nMessage-ID: <ceiling@source.test>\r\n\r\n';
  const line = `${'x'.repeat(74)}\r\n`;
  return Buffer.from(head + line.repeat(Math.ceil((2048 - head.length) / line.length))).subarray(0, 2048 - 2);
}

const nodemailerClient: Client = async (port, message, count) => {
  const conn = new SMTPConnection({ host: '127.0.0.1', port, socketCloseTimeout: 0 });
  await new Promise<void>((resolve, reject) => {
    conn.once('error', reject);
    conn.connect(() => resolve());
  });
  const envelope = { from: 'bench@source.test', to: ['sink@dest.test'] };
  for (let i = 0; i < count; i++) {
    await new Promise((resolve, reject) => conn.send(envelope, message, (err, info) => (err ? reject(err) : resolve(info))));
  }
  conn.quit();
};

const rawClient: Client = (port, message, count) =>
  new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    const txn = Buffer.concat([
      Buffer.from('MAIL FROM:<bench@source.test>\r\nRCPT TO:<sink@dest.test>\r\nDATA\r\n'),
      message,
      Buffer.from('\r\n.\r\n'),
    ]);
    let sent = 0;
    let queued = 0;
    let inBatch = 0;
    const sendBatch = (): void => {
      inBatch = Math.min(RAW_BATCH, count - sent);
      sent += inBatch;
      socket.write(Buffer.concat(Array.from({ length: inBatch }, () => txn)));
    };
    socket.write('EHLO bench\r\n');
    sendBatch();
    socket.setEncoding('latin1');
    let partial = '';
    socket.on('data', (text: string) => {
      const lines = (partial + text).split('\r\n');
      partial = lines.pop() ?? '';
      for (const l of lines) if (l.startsWith('250 2.0.0 Ok: queued')) queued++;
      if (queued === sent && inBatch > 0) {
        if (sent < count) sendBatch();
        else {
          inBatch = 0;
          socket.end('QUIT\r\n');
        }
      }
    });
    socket.once('close', () => (queued === count ? resolve() : reject(new Error(`raw client: ${queued}/${count} queued`))));
    socket.once('error', reject);
  });

async function startSinkProcess(): Promise<{ child: ChildProcessWithoutNullStreams; port: number; stats: () => Promise<SinkReport> }> {
  const script = fileURLToPath(new URL('./sink.js', import.meta.url));
  const child = spawn(process.execPath, [script, '--port', '0']);
  child.stderr.pipe(process.stderr);
  const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => String((await lines.next()).value);
  const { port } = JSON.parse(await next()) as { port: number };
  const stats = async (): Promise<SinkReport> => {
    child.stdin.write('stats\n');
    return JSON.parse(await next()) as SinkReport;
  };
  return { child, port, stats };
}

async function round(client: Client, port: number, connections: number, perConnection: number): Promise<number> {
  const message = message2k();
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: connections }, () => client(port, message, perConnection)));
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function main(): Promise<void> {
  const connections = Number(arg('connections', '10'));
  const perConnection = Number(arg('messages', '2000'));
  const clientName = arg('client', 'nodemailer');
  const client = clientName === 'raw' ? rawClient : nodemailerClient;
  const sink = await startSinkProcess();
  try {
    await round(client, sink.port, connections, Math.min(200, perConnection)); // warm-up: JIT, sockets
    const before = await sink.stats();
    const clientCpu = process.cpuUsage();
    const seconds = await round(client, sink.port, connections, perConnection);
    const clientCpuUsed = process.cpuUsage(clientCpu);
    const clientCpuMs = (clientCpuUsed.user + clientCpuUsed.system) / 1000;
    const after = await sink.stats();
    const messages = after.messages - before.messages;
    if (messages !== connections * perConnection) throw new Error(`sink counted ${messages}, sent ${connections * perConnection}`);
    const result = {
      client: clientName,
      connections,
      messages,
      seconds: Number(seconds.toFixed(3)),
      msgPerSec: Math.round(messages / seconds),
      sinkCpuMsPerMsg: Number(((after.cpuMs - before.cpuMs) / messages).toFixed(4)),
      clientCpuMsPerMsg: Number((clientCpuMs / messages).toFixed(4)),
    };
    console.log(JSON.stringify(result));
  } finally {
    sink.child.kill('SIGTERM');
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
