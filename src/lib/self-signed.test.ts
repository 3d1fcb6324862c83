import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { generateSelfSigned } from './self-signed.js';

test('a certificate node can parse, signed by its own key, for the names asked', () => {
  const now = new Date('2030-01-02T03:04:05Z');
  const { key, cert } = generateSelfSigned('mx.example.test', { altNames: ['127.0.0.1', '::1'], days: 30, now });
  const x = new X509Certificate(cert);
  assert.equal(x.subject, 'CN=mx.example.test');
  assert.equal(x.issuer, x.subject);
  assert.ok(x.verify(x.publicKey));
  assert.ok(x.checkPrivateKey(createPrivateKey(key)));
  assert.equal(x.checkHost('mx.example.test'), 'mx.example.test');
  assert.equal(x.checkIP('127.0.0.1'), '127.0.0.1');
  assert.equal(x.checkIP('::1'), '::1');
  assert.equal(x.checkHost('other.test'), undefined);
  assert.equal(new Date(x.validFrom).toISOString(), '2030-01-01T03:04:05.000Z');
  assert.equal(new Date(x.validTo).toISOString(), '2030-02-01T03:04:05.000Z');
  assert.ok(x.ca); // its own trust anchor, see the basicConstraints comment
});

test('dates from 2050 on are GeneralizedTime; serial numbers differ', () => {
  const a = generateSelfSigned('localhost', { now: new Date('2049-12-01T00:00:00Z'), days: 60 });
  const x = new X509Certificate(a.cert);
  assert.equal(new Date(x.validTo).toISOString(), '2050-01-30T00:00:00.000Z');
  const b = new X509Certificate(generateSelfSigned('localhost').cert);
  assert.notEqual(x.serialNumber, b.serialNumber);
});
