// The scripted sink, driven by nodemailer's SMTP client over real loopback sockets: one sink per
// test, each case picked by the recipient's address.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import SMTPConnection, { type SMTPError, type SentMessageInfo } from 'nodemailer/lib/smtp-connection';
import { testCert } from './certs.js';
import { SINK_CREDENTIALS, startSink, type Sink, type SinkOptions } from './sink.js';

const MESSAGE = 'From: a@example.test\r\nTo: b@example.test\r\nSubject: hello\r\n  folded\r\n\r\nbody line\r\n.leading dot\r\n';

async function withSink(opts: SinkOptions, t: { after(fn: () => Promise<void>): void }): Promise<Sink> {
  const sink = await startSink(opts);
  t.after(() => sink.close());
  return sink;
}

function connect(sink: Sink, opts: SMTPConnection.Options = {}): Promise<SMTPConnection> {
  // Trusts the per-run certificate for this connection only: STARTTLS is offered by default.
  const conn = new SMTPConnection({ host: sink.host, port: sink.port, socketCloseTimeout: 0, tls: { ca: testCert().cert }, ...opts });
  return new Promise((resolve, reject) => {
    // A failed connect or handshake is only reported as an 'error' event, not to connect()'s callback.
    conn.once('error', reject);
    conn.connect((err) => (err ? reject(err) : resolve(conn)));
  }).then(() => {
    conn.on('error', () => undefined); // later errors reach the send() callbacks the tests assert on
    return conn;
  });
}

function send(conn: SMTPConnection, to: string | string[], from = 'sender@example.test', message = MESSAGE): Promise<SentMessageInfo> {
  return new Promise((resolve, reject) => conn.send({ from, to }, message, (err, info) => (err || !info ? reject(err) : resolve(info))));
}

async function sendOnce(sink: Sink, to: string | string[], from?: string): Promise<SentMessageInfo> {
  const conn = await connect(sink);
  try {
    return await send(conn, to, from);
  } finally {
    conn.close();
  }
}

async function failure(p: Promise<unknown>): Promise<SMTPError> {
  try {
    await p;
  } catch (err) {
    return err as SMTPError;
  }
  assert.fail('expected the promise to reject');
}

async function settlesWithin<T>(p: Promise<T>, ms: number): Promise<boolean> {
  p.catch(() => undefined);
  return Promise.race([
    p.then(
      () => true,
      () => true,
    ),
    delay(ms).then(() => false),
  ]);
}

test('accepts by default and records the message exactly, with its envelope', async (t) => {
  const sink = await withSink({ tls: 'none' }, t);
  const info = await sendOnce(sink, ['accept-1@dest.test', 'anyone@dest.test']);
  assert.match(info.response, /^250 2\.0\.0 OK queued as 1$/);
  const ehlo = (info.ehlo ?? []).join(' ');
  for (const ext of ['PIPELINING', '8BITMIME', 'SMTPUTF8', `SIZE ${50 * 1024 * 1024}`]) assert.ok(ehlo.includes(ext), ehlo);
  assert.ok(!ehlo.includes('STARTTLS'), ehlo);

  const [msg] = await sink.waitFor(1);
  assert.ok(msg);
  assert.equal(msg.raw.toString(), MESSAGE); // dot-unstuffed, CRLF kept
  assert.deepEqual(msg.to, ['accept-1@dest.test', 'anyone@dest.test']);
  assert.equal(msg.from, 'sender@example.test');
  assert.equal(msg.outcome, 'accepted');
  assert.equal(msg.secure, false);
  assert.equal(msg.header('subject'), 'hello folded');
  assert.equal((await msg.parse()).subject, 'hello folded');
});

test('several messages on one connection share its id, in transaction order', async (t) => {
  const sink = await withSink({}, t);
  const conn = await connect(sink, { ignoreTLS: true });
  await send(conn, 'a@dest.test');
  await send(conn, 'b@dest.test');
  conn.close();
  const [m1, m2] = await sink.waitFor(2);
  assert.equal(m1?.connectionId, m2?.connectionId);
  assert.ok((m1?.transaction ?? 0) < (m2?.transaction ?? 0));
  assert.equal(sink.connections.total, 1);
});

test('maxRecipients answers 452 past the limit, as a batch-limited MX does', async (t) => {
  const sink = await withSink({ maxRecipients: 2 }, t);
  const info = await sendOnce(sink, ['a@dest.test', 'b@dest.test', 'c@dest.test']);
  assert.deepEqual(info.rejected, ['c@dest.test']);
  assert.equal(info.rejectedErrors?.[0]?.responseCode, 452);
  assert.deepEqual((await sink.waitFor(1))[0]?.to, ['a@dest.test', 'b@dest.test']);
});

test('rcpt-NNN replies at RCPT with an enhanced code; other recipients still get the message', async (t) => {
  const sink = await withSink({}, t);
  const cases = [
    ['rcpt-450-x@dest.test', 450, '4.2.0'],
    ['rcpt-550-x@dest.test', 550, '5.1.1'],
    ['rcpt-452-x@dest.test', 452, '4.2.2'],
    ['rcpt-552-x@dest.test', 552, '5.2.2'],
  ] as const;
  for (const [address, code, enhanced] of cases) {
    const err = await failure(sendOnce(sink, address));
    assert.equal(err.responseCode, code, address);
    assert.match(err.response ?? '', new RegExp(`^${code} ${enhanced.replace(/\./g, '\\.')} `));
  }
  const info = await sendOnce(sink, ['ok@dest.test', 'rcpt-550-y@dest.test']);
  assert.deepEqual(info.rejected, ['rcpt-550-y@dest.test']);
  const [msg] = await sink.waitFor(1);
  assert.deepEqual(msg?.to, ['ok@dest.test']);
  assert.deepEqual(
    sink.events.map((e) => [e.phase, typeof e.action === 'object' ? e.action.code : e.action]),
    [
      ['rcpt', 450],
      ['rcpt', 550],
      ['rcpt', 452],
      ['rcpt', 552],
      ['rcpt', 550],
    ],
  );
});

test('rcpt-421 replies 421 and closes the connection', async (t) => {
  const sink = await withSink({}, t);
  const conn = await connect(sink);
  const closed = new Promise((resolve) => conn.once('end', resolve));
  const err = await failure(send(conn, 'rcpt-421-x@dest.test'));
  assert.match(err.response ?? err.message, /421 4\.3\.2/);
  await closed;
});

test('data-NNN replies after the final dot; the message is recorded as rejected', async (t) => {
  const sink = await withSink({}, t);
  for (const [code, enhanced] of [
    [451, '4.3.0'],
    [550, '5.7.1'],
    [552, '5.3.4'],
    [554, '5.7.1'],
  ] as const) {
    const err = await failure(sendOnce(sink, `data-${code}-x@dest.test`));
    assert.equal(err.code, 'EMESSAGE');
    assert.equal(err.responseCode, code);
    assert.ok(err.response?.startsWith(`${code} ${enhanced} `), err.response);
  }
  const msgs = await sink.waitFor(4);
  assert.deepEqual(
    msgs.map((m) => [m.outcome, m.reply?.code]),
    [
      ['rejected', 451],
      ['rejected', 550],
      ['rejected', 552],
      ['rejected', 554],
    ],
  );
});

test('mail-550 as sender is refused at MAIL', async (t) => {
  const sink = await withSink({}, t);
  const err = await failure(sendOnce(sink, 'b@dest.test', 'mail-550-x@src.test'));
  assert.equal(err.responseCode, 550);
  assert.equal(err.command, 'MAIL FROM');
  assert.equal(sink.messages.length, 0);
});

test('drop-data closes mid-DATA: the client sees a broken connection, nothing is recorded', async (t) => {
  const sink = await withSink({}, t);
  const err = await failure(sendOnce(sink, 'drop-data@dest.test'));
  assert.equal(err.responseCode, undefined);
  assert.equal(sink.messages.length, 0);
  assert.equal(sink.events[0]?.action, 'drop-in-data');
});

test('drop-after-dot takes the whole message and closes without replying (unknown outcome)', async (t) => {
  const sink = await withSink({}, t);
  const err = await failure(sendOnce(sink, 'drop-after-dot@dest.test'));
  assert.equal(err.responseCode, undefined);
  const [msg] = await sink.waitFor(1);
  assert.equal(msg?.outcome, 'dropped');
  assert.equal(msg?.raw.toString(), MESSAGE);
});

test('stall-rcpt and stall-data never answer, and close() releases them at once', async (t) => {
  const sink = await startSink();
  t.after(() => sink.close());
  const [c1, c2] = await Promise.all([connect(sink), connect(sink)]);
  const rcpt = send(c1, 'stall-rcpt@dest.test');
  const data = send(c2, 'stall-data@dest.test');
  assert.equal(
    await settlesWithin(
      Promise.all([rcpt, data]).catch(() => undefined),
      300,
    ),
    false,
  );
  assert.equal((await sink.waitFor(1))[0]?.outcome, 'stalled');
  const started = Date.now();
  await sink.close();
  assert.ok(Date.now() - started < 1000);
  assert.equal((await failure(rcpt)).responseCode, undefined);
  assert.equal((await failure(data)).responseCode, undefined);
});

test('fail-N-then-accept defers the first N DATA attempts per address, across connections', async (t) => {
  const sink = await withSink({}, t);
  const replies: (number | undefined)[] = [];
  for (let i = 0; i < 3; i++) {
    replies.push(
      await sendOnce(sink, 'fail-2-then-accept@dest.test').then(
        () => 250,
        (e: SMTPError) => e.responseCode,
      ),
    );
  }
  assert.deepEqual(replies, [451, 451, 250]);
  assert.equal((await failure(sendOnce(sink, 'FAIL-1-then-accept-other@dest.test'))).responseCode, 451);
  sink.reset();
  assert.equal((await failure(sendOnce(sink, 'fail-2-then-accept@dest.test'))).responseCode, 451);
});

test('a script hook decides first and falls through to the address script', async (t) => {
  const sink = await withSink(
    {
      tls: 'none',
      script: (phase, address, ctx) =>
        phase === 'data' && address.startsWith('dmarc@') && !ctx.secure
          ? { code: 550, enhanced: '5.7.26', text: 'Unauthenticated' }
          : undefined,
    },
    t,
  );
  const err = await failure(sendOnce(sink, 'dmarc@dest.test'));
  assert.match(err.response ?? '', /^550 5\.7\.26 Unauthenticated/);
  assert.equal((await failure(sendOnce(sink, 'rcpt-450-x@dest.test'))).responseCode, 450);
});

test('refuse: close drops the TCP connection, 421 greets with 421; both can be switched off', async (t) => {
  const sink = await withSink({ refuse: 'close' }, t);
  assert.equal((await failure(connect(sink))).responseCode, undefined);
  sink.configure({ refuse: '421' });
  assert.equal((await failure(connect(sink))).responseCode, 421);
  sink.configure({ refuse: false });
  await sendOnce(sink, 'ok@dest.test');
  assert.deepEqual(
    sink.events.map((e) => e.action),
    ['refuse', 'refuse'],
  );
});

test('greetingDelayMs and replyDelayMs slow the dialogue down', async (t) => {
  const sink = await withSink({ greetingDelayMs: 150 }, t);
  let started = Date.now();
  const conn = await connect(sink);
  assert.ok(Date.now() - started >= 150);
  sink.configure({ greetingDelayMs: 0, replyDelayMs: 60 });
  started = Date.now();
  await send(conn, 'ok@dest.test'); // MAIL, RCPT and the final dot each wait
  assert.ok(Date.now() - started >= 180, `${Date.now() - started} ms`);
  conn.close();
});

test('STARTTLS with the per-run certificate, verified by the client; tls none hides it', async (t) => {
  const sink = await withSink({ tls: 'offer' }, t);
  const conn = await connect(sink, { requireTLS: true, tls: { ca: testCert().cert } });
  assert.equal(conn.secure, true);
  await send(conn, 'ok@dest.test');
  conn.close();
  assert.equal((await sink.waitFor(1))[0]?.secure, true);

  const plain = await withSink({ tls: 'none' }, t);
  const err = await failure(connect(plain, { requireTLS: true }));
  assert.match(err.message, /STARTTLS/);
});

test('counts connections precisely, including the concurrent maximum', async (t) => {
  const sink = await withSink({}, t);
  const conns = await Promise.all(Array.from({ length: 5 }, () => connect(sink)));
  assert.deepEqual(sink.connections, { total: 5, current: 5, maxConcurrent: 5 });
  for (const c of conns) c.close();
  for (let i = 0; i < 50 && sink.connections.current > 0; i++) await delay(10);
  assert.deepEqual(sink.connections, { total: 5, current: 0, maxConcurrent: 5 });
  await sendOnce(sink, 'ok@dest.test');
  assert.equal(sink.connections.maxConcurrent, 5);
  sink.reset();
  assert.equal(sink.connections.maxConcurrent, sink.connections.current);
});

test('waitFor resolves on arrival and times out with a useful message', async (t) => {
  const sink = await withSink({}, t);
  const waiting = sink.waitFor(1, 5000);
  await sendOnce(sink, 'ok@dest.test');
  assert.equal((await waiting).length, 1);
  await failure(sendOnce(sink, 'rcpt-550-gone@dest.test'));
  const err = await failure(sink.waitFor(2, 100));
  assert.match(err.message, /timed out after 100 ms waiting for 2 message\(s\); got 1/);
  assert.match(err.message, /rcpt rcpt-550-gone@dest\.test: 550 5\.1\.1/);
  assert.equal((await sink.waitFor(1, 100, (m) => m.outcome === 'accepted')).length, 1);
});

test('SIZE is advertised and enforced with 552 5.3.4', async (t) => {
  const sink = await withSink({ size: 1000 }, t);
  const conn = await connect(sink);
  const err = await failure(send(conn, 'ok@dest.test', undefined, MESSAGE + 'x'.repeat(2000)));
  conn.close();
  assert.equal(err.responseCode, 552);
  assert.match(err.response ?? '', /5\.3\.4/);
});

test('authRequired refuses mail before AUTH and records the user after it', async (t) => {
  const sink = await withSink({ authRequired: true }, t);
  assert.equal((await failure(sendOnce(sink, 'ok@dest.test'))).responseCode, 530);
  const conn = await connect(sink, { tls: { ca: testCert().cert } });
  await new Promise<void>((resolve, reject) => conn.login({ ...SINK_CREDENTIALS }, (err) => (err ? reject(err) : resolve())));
  await send(conn, 'ok@dest.test');
  conn.close();
  assert.equal((await sink.waitFor(1))[0]?.authUser, SINK_CREDENTIALS.user);
});

test('bare LF in commands and data does not crash the sink', async (t) => {
  const sink = await withSink({ tls: 'none' }, t);
  const socket = net.connect(sink.port, sink.host);
  let transcript = '';
  socket.on('data', (d: Buffer) => (transcript += d.toString()));
  await delay(150); // smtp-server refuses clients that talk before its greeting
  socket.write('EHLO x\nMAIL FROM:<a@x.test>\nRCPT TO:<b@x.test>\nDATA\n');
  await delay(50);
  socket.write('Subject: lf\n\nbody\n.\r\n.\r\nQUIT\r\n');
  const [msg] = await sink.waitFor(1);
  assert.match(msg?.raw.toString() ?? '', /^Subject: lf\n\nbody\n/);
  assert.equal(msg?.header('Subject'), 'lf');
  await new Promise((resolve) => socket.once('close', resolve));
  assert.match(transcript, /221 /);
});
