// The benchmark sink: end-of-data detection and pipelining, fed the same transcript cut at every
// pair of byte offsets, then once over a socket and once as its own process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { BenchSession, findEndOfData, startBenchSink, type BenchStats } from '../../bench/sink.js';

// Pipelined without waiting for 354, as only a test can; a dot-stuffed line and a lone "." inside
// a line must not end the data; the second message is empty, ending right after the DATA line.
const TRANSCRIPT =
  'EHLO client\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\nRCPT TO:<c@x.test>\r\nDATA\r\n' +
  'Subject: one\r\n\r\n..stuffed\r\nend.\r\n.x\r\n\n.\n\r\n.\r\n' +
  'MAIL FROM:<a@x.test>\r\nRCPT TO:<d@x.test>\r\nDATA\r\n.\r\n' +
  'NOOP\r\nQUIT\r\n';

const EXPECTED_REPLIES = [
  '250-bench-sink.test',
  '250-PIPELINING',
  '250-8BITMIME',
  '250-SMTPUTF8',
  '250 SIZE 52428800',
  '250 2.1.0 Ok',
  '250 2.1.5 Ok',
  '250 2.1.5 Ok',
  '354 End data with <CR><LF>.<CR><LF>',
  '250 2.0.0 Ok: queued as 1',
  '250 2.1.0 Ok',
  '250 2.1.5 Ok',
  '354 End data with <CR><LF>.<CR><LF>',
  '250 2.0.0 Ok: queued as 2',
  '250 2.0.0 Ok',
  '221 2.0.0 Bye',
]
  .map((l) => `${l}\r\n`)
  .join('');

function run(chunks: readonly Buffer[]): { replies: string; stats: BenchStats; closed: boolean } {
  const stats: BenchStats = { messages: 0, recipients: 0, connections: 0 };
  const session = new BenchSession(stats);
  const replies = chunks.map((c) => session.feed(c)).join('');
  return { replies, stats, closed: session.closed };
}

test('replies in order and finds every end of data, wherever the chunks are cut', () => {
  const all = Buffer.from(TRANSCRIPT);
  const whole = run([all]);
  assert.equal(whole.replies, EXPECTED_REPLIES);
  assert.deepEqual(whole.stats, { messages: 2, recipients: 3, connections: 0 });
  assert.equal(whole.closed, true);
  for (let i = 0; i <= all.length; i++) {
    for (let j = i; j <= all.length; j++) {
      const got = run([all.subarray(0, i), all.subarray(i, j), all.subarray(j)]);
      if (got.replies !== EXPECTED_REPLIES || got.stats.messages !== 2) assert.fail(`cut at ${i} and ${j}: ${JSON.stringify(got)}`);
    }
  }
  const bytewise = run([...all].map((b) => Buffer.from([b])));
  assert.equal(bytewise.replies, EXPECTED_REPLIES);
});

test('findEndOfData across a seam and inside a chunk', () => {
  const b = (s: string): Buffer => Buffer.from(s);
  assert.equal(findEndOfData(b('\r\n'), b('.\r\nMAIL'), 0), 3); // "\r\n" | ".\r\n"
  assert.equal(findEndOfData(b('x\r\n.'), b('\r\n'), 0), 2); // "\r\n." | "\r\n"
  assert.equal(findEndOfData(b('\r'), b('\n.\r\n'), 0), 4);
  assert.equal(findEndOfData(b(''), b('DATA\r\nbody\r\n.\r\n'), 6), 15);
  assert.equal(findEndOfData(b('\r\n'), b('..\r\n'), 0), -1); // dot-stuffed, not the end
  assert.equal(findEndOfData(b('\n'), b('.\n'), 0), -1); // bare LF is not CRLF
});

test('answers a real client over loopback, counting messages, recipients and connections', async (t) => {
  const sink = await startBenchSink(0);
  t.after(() => sink.close());
  const conn = new SMTPConnection({ host: '127.0.0.1', port: sink.port, socketCloseTimeout: 0 });
  await new Promise<void>((resolve, reject) => {
    conn.once('error', reject);
    conn.connect(() => resolve());
  });
  for (const to of [['a@x.test'], ['b@x.test', 'c@x.test'], ['d@x.test']]) {
    await new Promise((resolve, reject) =>
      conn.send({ from: 's@x.test', to }, 'Subject: hi\r\n\r\n.dot\r\n', (err, info) => (err ? reject(err) : resolve(info))),
    );
  }
  conn.quit();
  await once(conn, 'end');
  assert.deepEqual(sink.stats(), { messages: 3, recipients: 4, connections: 1 });
});

test('runs as its own process: port on start, stats on request and on SIGTERM', async () => {
  const script = fileURLToPath(new URL('../../bench/sink.js', import.meta.url));
  const child = spawn(process.execPath, [script, '--port', '0'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, number>> => JSON.parse(String((await lines.next()).value)) as Record<string, number>;
  try {
    const { port } = await next();
    assert.ok(typeof port === 'number' && port > 0);
    child.stdin.write('stats\n');
    assert.deepEqual({ ...(await next()), cpuMs: 0 }, { messages: 0, recipients: 0, connections: 0, cpuMs: 0 });
    child.kill('SIGTERM');
    assert.equal((await next()).messages, 0);
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0);
  } finally {
    child.kill('SIGKILL');
  }
});
