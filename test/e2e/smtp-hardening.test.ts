// Hostile SMTP clients, byte by byte (issue 15, items 5, 7, 13):
// - AUTH is not listed before STARTTLS, and an AUTH sent anyway gets 538 with the key unchecked;
// - a NUL in DATA is refused (a next hop that drops it would run the smuggled lines after it);
// - a client trickling bytes is cut with 421 at its per-command deadline or for a too slow
//   DATA, on the submission listener and on the bounce listener, though every byte resets
//   their idle timeouts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { selfSignedPath } from '../../src/ingress/smtp/tls.js';
import { RawSmtp, type Reply } from '../support/smtp-client.js';
import { startSink, type Sink } from '../support/sink.js';
import { sinkRoute, startTxmail, type Harness } from '../support/harness.js';

const COMMAND_TIMEOUT_S = 2;
let sink: Sink;
let tx: Harness;
let port: number;
let ca: string;

before(async () => {
  sink = await startSink({ tls: 'none' });
  tx = await startTxmail({
    'delivery.routes': [sinkRoute(sink.port)],
    'submission.auth_slowdown_after': 1,
    'submission.auth_lockout_after': 2,
    // Idle timeouts far longer than the test: only the new deadlines can cut the tricklers.
    'submission.idle_timeout_s': 600,
    'submission.command_timeout_s': COMMAND_TIMEOUT_S,
    'submission.min_data_rate': 1000,
    'bounce.command_timeout_s': COMMAND_TIMEOUT_S,
    'bounce.min_data_rate': 1000,
  });
  port = tx.app.submissionAddress().port;
  ca = readFileSync(selfSignedPath(tx.app.config.data_dir), 'utf8');
});
after(async () => {
  await tx.close();
  await sink.close();
});

async function authed(): Promise<RawSmtp> {
  const { client } = await RawSmtp.connect(port);
  await client.cmd('EHLO client.test');
  assert.equal((await client.starttls(ca)).code, 220);
  await client.cmd('EHLO client.test');
  assert.equal((await client.authPlain('apikey', tx.key)).code, 235);
  return client;
}

async function queuedCount(): Promise<number> {
  const events = (await tx.get('/v1/events?limit=1000')).body.events as Array<{ type: string }>;
  return events.filter((e) => e.type === 'queued').length;
}

test('AUTH is listed in EHLO only after STARTTLS; AUTH in clear gets 538 and the key is never checked', async () => {
  const { client } = await RawSmtp.connect(port);
  const before = await client.cmd('EHLO client.test');
  assert.equal(before.code, 250);
  assert.match(before.text, /STARTTLS/);
  assert.doesNotMatch(before.text, /AUTH/, 'a client that believes EHLO must not send its key before TLS');
  // Wrong keys in clear, more than auth_lockout_after of them: none is checked, so none counts.
  for (let i = 0; i < 4; i++) {
    const r = await client.authPlain('apikey', `wrong-${i}`);
    assert.equal(r.code, 538, r.text);
  }
  assert.equal((await client.authPlain('apikey', tx.key)).code, 538, 'even the right key is refused in clear');
  assert.equal((await client.cmd('MAIL FROM:<app@sender.test>')).code, 530);
  await client.starttls(ca);
  const after = await client.cmd('EHLO client.test');
  assert.match(after.text, /AUTH PLAIN LOGIN/);
  // Not locked out: the failures above never reached the key check.
  assert.equal((await client.authPlain('apikey', tx.key)).code, 235);
  client.close();
});

test('a NUL in DATA is refused: no message is stored, nothing is relayed', async () => {
  const client = await authed();
  const queued = await queuedCount();
  const relayed = sink.messages.length;
  for (const [i, body] of ['first body\r\n\0.\r\n', 'a\0b\r\n', '\0'].entries()) {
    assert.equal((await client.cmd('MAIL FROM:<app@sender.test>')).code, 250);
    assert.equal((await client.cmd(`RCPT TO:<first${i}@nul.test>`)).code, 250);
    assert.equal((await client.cmd('DATA')).code, 354);
    // After the NUL, what a NUL-dropping next hop would read as a second transaction.
    client.write(
      Buffer.from(
        `From: app@sender.test\r\nTo: first${i}@nul.test\r\nSubject: nul ${i}\r\n\r\n${body}` +
          `MAIL FROM:<ceo@bank.test>\r\nRCPT TO:<victim${i}@nul.test>\r\nDATA\r\nFrom: ceo@bank.test\r\n\r\nsend money\r\n.\r\n`,
        'latin1',
      ),
    );
    const r = await client.reply();
    assert.equal(r.code, 550, JSON.stringify(body));
    assert.match(r.text, /5\.6\.0 NUL byte at byte \d+/);
    assert.equal((await client.cmd('NOOP')).code, 250);
    assert.equal(client.pending, 0, 'the smuggled lines were never read as commands');
  }
  client.close();
  assert.equal(await queuedCount(), queued);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(sink.messages.length, relayed);
});

/** Writes one byte every `everyMs` until the connection closes; resolves with the last reply. */
async function trickle(client: RawSmtp, text: string, everyMs: number): Promise<{ reply: Reply | undefined; sent: number; ms: number }> {
  const started = Date.now();
  let sent = 0;
  const replyP = client.reply(30_000).catch(() => undefined);
  let reply: Reply | undefined;
  void replyP.then((r) => (reply = r));
  while (!client.closed && reply === undefined && Date.now() - started < 20_000) {
    client.write(text[sent % text.length]!);
    sent++;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return { reply: reply ?? (await replyP), sent, ms: Date.now() - started };
}

test('submission: a command trickled one byte at a time is cut at the command deadline with 421', async () => {
  const client = await authed();
  const { reply, sent, ms } = await trickle(client, 'MAIL FROM:<slow-loris@sender.test> SIZE=1000', 200);
  assert.equal(reply?.code, 421, `after ${sent} bytes in ${ms} ms`);
  assert.match(reply.text, /4\.4\.2 Command not completed in time/);
  assert.ok(ms < 15_000, `cut within 15 s (took ${ms} ms)`);
  await new Promise((r) => setTimeout(r, 200));
  assert.ok(client.closed, 'the connection is closed');
});

test('submission: a message trickled below the minimum data rate is cut with 421 and not accepted', async () => {
  const queued = await queuedCount();
  const client = await authed();
  assert.equal((await client.cmd('MAIL FROM:<app@sender.test>')).code, 250);
  assert.equal((await client.cmd('RCPT TO:<slow@rate.test>')).code, 250);
  assert.equal((await client.cmd('DATA')).code, 354);
  // 5 bytes per 200 ms is 25 B/s, far below 1000 B/s; each line is whole, so a per-line reset would never fire.
  const { reply, ms } = await trickle(client, 'x\r\n', 70);
  assert.equal(reply?.code, 421);
  assert.match(reply.text, /4\.4\.2 Message data arriving too slowly/);
  assert.ok(ms < 15_000, `cut within 15 s (took ${ms} ms)`);
  assert.equal(await queuedCount(), queued);
});

test('submission: a message at a fair rate takes longer than the command deadline and is accepted', async () => {
  const client = await authed();
  assert.equal((await client.cmd('MAIL FROM:<app@sender.test>')).code, 250);
  assert.equal((await client.cmd('RCPT TO:<fair@rate.test>')).code, 250);
  assert.equal((await client.cmd('DATA')).code, 354);
  client.write('From: app@sender.test\r\nTo: fair@rate.test\r\nSubject: fair\r\n\r\n');
  // 3 s at ~2500 B/s (above the 1000 B/s minimum), longer than the 2 s command deadline.
  const line = `${'y'.repeat(98)}\r\n`;
  const started = Date.now();
  while (Date.now() - started < 3000) {
    for (let i = 0; i < 5; i++) client.write(line);
    await new Promise((r) => setTimeout(r, 200));
  }
  client.write('.\r\n');
  const r = await client.reply();
  assert.equal(r.code, 250, r.text);
  client.close();
});

test('bounce listener: a trickled command and a trickled report are cut with 421 too', async () => {
  const bouncePort = tx.app.bounce!.port;
  const a = await RawSmtp.connect(bouncePort);
  assert.equal(a.greeting.code, 220);
  const cmd = await trickle(a.client, 'EHLO slow-mta.test', 200);
  assert.equal(cmd.reply?.code, 421, `after ${cmd.sent} bytes in ${cmd.ms} ms`);
  assert.ok(cmd.ms < 15_000);

  const b = await RawSmtp.connect(bouncePort);
  assert.equal((await b.client.cmd('EHLO mta.test')).code, 250);
  assert.equal((await b.client.cmd('MAIL FROM:<>')).code, 250);
  assert.equal((await b.client.cmd('RCPT TO:<fbl@bounce.sender.test>')).code, 250);
  assert.equal((await b.client.cmd('DATA')).code, 354);
  const data = await trickle(b.client, 'x\r\n', 70);
  assert.equal(data.reply?.code, 421);
  assert.match(data.reply.text, /too slowly/);
});
