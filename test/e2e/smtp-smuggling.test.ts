// SMTP smuggling (CVE-2023-51764 and kin): a client hides a second message after an end-of-data
// sequence that one server takes for the end and another does not. txmail ends DATA only at
// CRLF.CRLF and refuses any message holding a bare CR or LF, so no sequence can give birth to a
// second message, neither here nor at the next hop.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { selfSignedPath } from '../../src/ingress/smtp/tls.js';
import { RawSmtp } from '../support/smtp-client.js';
import { startSink, type Sink } from '../support/sink.js';
import { sinkRoute, startTxmail, type Harness } from '../support/harness.js';

let sink: Sink;
let tx: Harness;
let client: RawSmtp;

before(async () => {
  sink = await startSink({ tls: 'none' });
  tx = await startTxmail({ 'delivery.routes': [sinkRoute(sink.port)] });
  const ca = readFileSync(selfSignedPath(tx.app.config.data_dir), 'utf8');
  ({ client } = await RawSmtp.connect(tx.app.submissionAddress().port));
  await client.cmd('EHLO attacker.test');
  await client.starttls(ca);
  await client.cmd('EHLO attacker.test');
  assert.equal((await client.authPlain('apikey', tx.key)).code, 235);
});
after(async () => {
  client.close();
  await tx.close();
  await sink.close();
});

const SEQUENCES = ['\n.\n', '\n.\r\n', '\r.\r', '\r.\r\n', '\r\n.\r', '\r\n.\n', '\n.\r', '\r\n\r\n.\r'];

async function queuedCount(): Promise<number> {
  const events = (await tx.get('/v1/events?limit=1000')).body.events as Array<{ type: string }>;
  return events.filter((e) => e.type === 'queued').length;
}

test('every known smuggling sequence is refused and no second message is born', async () => {
  for (const [i, seq] of SEQUENCES.entries()) {
    assert.equal((await client.cmd('MAIL FROM:<app@sender.test>')).code, 250);
    assert.equal((await client.cmd(`RCPT TO:<first${i}@smuggle.test>`)).code, 250);
    assert.equal((await client.cmd('DATA')).code, 354);
    // Everything after `seq` is what a lenient server would read as new commands: a second
    // transaction with a forged sender, ended by a real CRLF.CRLF.
    client.write(
      `From: app@sender.test\r\nTo: first${i}@smuggle.test\r\nSubject: first ${i}\r\n\r\nfirst body${seq}` +
        `MAIL FROM:<ceo@bank.test>\r\nRCPT TO:<victim${i}@smuggle.test>\r\nDATA\r\n` +
        `From: ceo@bank.test\r\nTo: victim${i}@smuggle.test\r\nSubject: smuggled ${i}\r\n\r\nsend money\r\n.\r\n`,
    );
    const r = await client.reply();
    assert.equal(r.code, 550, `${JSON.stringify(seq)}: ${r.text}`);
    assert.match(r.text, /5\.6\.0 Bare (CR|LF)/);
    // Exactly one reply for all of that: had the server read the smuggled lines as commands,
    // their replies (250, 250, 354, 250) would be waiting before this NOOP's.
    assert.equal((await client.cmd('NOOP')).code, 250, JSON.stringify(seq));
    assert.equal(client.pending, 0);
  }
  assert.equal(await queuedCount(), 0, 'neither the carrier nor the smuggled message was accepted');
});

test('bare line ends anywhere else in the data are refused too', async () => {
  for (const body of ['Subject: a\nFrom: app@sender.test\r\n\r\nx\r\n', 'From: app@sender.test\r\nSubject: a\r\n\r\nline\rmore\r\n']) {
    await client.cmd('MAIL FROM:<app@sender.test>');
    await client.cmd('RCPT TO:<bare@smuggle.test>');
    await client.cmd('DATA');
    client.write(`${body}.\r\n`);
    assert.equal((await client.reply()).code, 550);
  }
  assert.equal(await queuedCount(), 0);
});

test('a clean message on the same session goes through, and only it reaches the sink', async () => {
  assert.equal((await client.cmd('MAIL FROM:<app@sender.test>')).code, 250);
  assert.equal((await client.cmd('RCPT TO:<clean@smuggle.test>')).code, 250);
  assert.equal((await client.cmd('DATA')).code, 354);
  // A line holding only a dot is dot-stuffed (RFC 5321 §4.5.2) and stays content.
  client.write('From: app@sender.test\r\nTo: clean@smuggle.test\r\nSubject: clean\r\n\r\nbefore\r\n..\r\nafter\r\n.\r\n');
  const r = await client.reply();
  assert.equal(r.code, 250, r.text);
  const id = /queued as (msg_\w+)/.exec(r.text)![1]!;
  await tx.waitForStates(id, ['delivered']);
  assert.equal(await queuedCount(), 1);
  const got = sink.messages.filter((m) => m.to.some((t) => t.endsWith('@smuggle.test')));
  assert.deepEqual(got.map((m) => m.to), [['clean@smuggle.test']]);
  assert.match(got[0]!.raw.toString(), /\r\nbefore\r\n\.\r\nafter\r\n$/);
});
