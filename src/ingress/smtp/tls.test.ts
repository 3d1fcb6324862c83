import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { generateSelfSigned } from '../../lib/self-signed.js';
import { loadSubmissionTls, selfSignedPath } from './tls.js';

const dir = mkdtempSync(join(tmpdir(), 'txmail-tls-unit-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const base = { certFile: '', keyFile: '', dataDir: join(dir, 'data'), hostname: 'mail.example.test', listenHost: '192.0.2.7' };

test('configured files are used as they are; one without the other is an error', () => {
  const pair = generateSelfSigned('configured.example.test');
  writeFileSync(join(dir, 'c.pem'), pair.cert);
  writeFileSync(join(dir, 'k.pem'), pair.key);
  const tls = loadSubmissionTls({ ...base, certFile: join(dir, 'c.pem'), keyFile: join(dir, 'k.pem') });
  assert.deepEqual([tls.cert, tls.key], [pair.cert, pair.key]);
  assert.throws(() => loadSubmissionTls({ ...base, certFile: join(dir, 'c.pem') }), /must be set together/);
});

test('without files, a self-signed pair is made once, for our names, and read back later', () => {
  const first = loadSubmissionTls(base);
  assert.match(first.source, /self-signed/);
  const cert = new X509Certificate(first.cert);
  assert.match(cert.subjectAltName ?? '', /DNS:mail\.example\.test/);
  assert.match(cert.subjectAltName ?? '', /IP Address:192\.0\.2\.7/);
  assert.ok(cert.checkPrivateKey(createPrivateKey(first.key)), 'the key belongs to the certificate');
  assert.deepEqual(loadSubmissionTls(base), first, 'the second start reads the same pair');
  assert.equal(readFileSync(selfSignedPath(base.dataDir), 'utf8'), first.key + first.cert);
});
