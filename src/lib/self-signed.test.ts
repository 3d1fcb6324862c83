import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { generateSelfSigned, issueCertificate } from './self-signed.js';

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

test('issueCertificate: a CA and a leaf it signed, with the validity asked for', () => {
  const ca = issueCertificate({ subject: 'Test CA', ca: true, notBefore: new Date('2020-01-01T00:00:00Z'), notAfter: new Date('2040-01-01T00:00:00Z') });
  const leaf = issueCertificate({ subject: 'mx.test', names: ['mx.test'], notBefore: new Date('2021-01-01T00:00:00Z'), notAfter: new Date('2021-02-01T00:00:00Z') }, ca);
  const c = new X509Certificate(ca.cert);
  const l = new X509Certificate(leaf.cert);
  assert.ok(c.ca);
  assert.equal(l.ca, false);
  assert.equal(l.issuer, 'CN=Test CA');
  assert.ok(l.checkIssued(c));
  assert.ok(l.verify(c.publicKey));
  assert.equal(l.checkHost('mx.test'), 'mx.test');
  assert.equal(new Date(l.validTo).toISOString(), '2021-02-01T00:00:00.000Z');
});
