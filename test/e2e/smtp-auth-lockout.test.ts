// Failed AUTH attempts from one address: refused outright for a while after too many, the
// right key included. And the self-signed STARTTLS certificate outlives a restart. Its own
// txmail: a lockout of 127.0.0.1 would disturb any other test sharing the listener.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { selfSignedPath } from '../../src/ingress/smtp/tls.js';
import { RawSmtp } from '../support/smtp-client.js';
import { startTxmail } from '../support/harness.js';

const WRONG = 'SG.aaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';

async function tlsSession(port: number, ca: string): Promise<RawSmtp> {
  const { client, greeting } = await RawSmtp.connect(port);
  assert.equal(greeting.code, 220, greeting.text);
  await client.cmd('EHLO client.test');
  await client.starttls(ca);
  await client.cmd('EHLO client.test');
  return client;
}

test('failed AUTH: refused for a while after too many, even with the right key', async () => {
  const tx = await startTxmail({ 'submission.auth_slowdown_after': 1, 'submission.auth_lockout_after': 3, 'submission.auth_lockout_s': 600 });
  try {
    const port = tx.app.submissionAddress().port;
    const ca = readFileSync(selfSignedPath(tx.app.config.data_dir), 'utf8');
    const c = await tlsSession(port, ca);
    assert.equal((await c.authPlain('apikey', WRONG)).code, 535);
    assert.equal((await c.authPlain('apikey', WRONG)).code, 535, 'the second failure is slowed down, still 535');
    const third = await c.authPlain('apikey', WRONG);
    assert.equal(third.code, 421, third.text);
    assert.match(third.text, /4\.7\.0 Too many failed authentications/);
    await assert.rejects(c.reply(5000), /connection closed/, '421 closes the connection');

    const { client, greeting } = await RawSmtp.connect(port);
    assert.equal(greeting.code, 421, 'a new connection from the address is refused at once');
    assert.match(greeting.text, /try again in \d+ s/);
    client.close();
  } finally {
    await tx.close();
  }
});

test('a success resets the count of failures', async () => {
  const tx = await startTxmail({ 'submission.auth_slowdown_after': 5, 'submission.auth_lockout_after': 3, 'submission.auth_lockout_s': 600 });
  try {
    const port = tx.app.submissionAddress().port;
    const ca = readFileSync(selfSignedPath(tx.app.config.data_dir), 'utf8');
    for (let round = 0; round < 3; round++) {
      const c = await tlsSession(port, ca);
      assert.equal((await c.authPlain('apikey', WRONG)).code, 535);
      assert.equal((await c.authPlain('apikey', WRONG)).code, 535);
      assert.equal((await c.authPlain('apikey', tx.key)).code, 235, `round ${round}`);
      c.close();
    }
  } finally {
    await tx.close();
  }
});

test('the self-signed certificate is generated once and kept across restarts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'txmail-tls-'));
  try {
    const first = await startTxmail({}, { dir });
    const file = selfSignedPath(first.app.config.data_dir);
    const pem = readFileSync(file, 'utf8');
    assert.match(pem, /BEGIN PRIVATE KEY[\s\S]+BEGIN CERTIFICATE/);
    const c = await tlsSession(first.app.submissionAddress().port, pem.slice(pem.indexOf('-----BEGIN CERTIFICATE')));
    assert.equal((await c.authPlain('apikey', first.key)).code, 235, 'the served certificate is the stored one (it verified)');
    c.close();
    await first.close({ keepData: true });
    const second = await startTxmail({}, { dir });
    try {
      assert.equal(readFileSync(file, 'utf8'), pem);
      const c2 = await tlsSession(second.app.submissionAddress().port, pem);
      c2.close();
    } finally {
      await second.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
