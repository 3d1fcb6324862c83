// A self-signed X.509 certificate for a development STARTTLS listener and for tests.
// Built with node:crypto and a few lines of DER (RFC 5280 §4.1) rather than a dependency:
// ECDSA P-256 keys, a common name, a subjectAltName, basicConstraints. issueCertificate() signs
// with another key too, which is all the tests need for a private CA and its leaves.
import { X509Certificate, createPrivateKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export interface SelfSignedOptions {
  /** Extra DNS names or IP literals for subjectAltName; the hostname is always included. */
  readonly altNames?: readonly string[];
  readonly days?: number;
  /** Issue time; notBefore is set a day earlier so a peer with a slow clock still accepts it. */
  readonly now?: Date;
}

export interface SelfSignedPair {
  /** PKCS#8 private key, PEM. */
  readonly key: string;
  /** X.509 certificate, PEM. */
  readonly cert: string;
}

const DAY_MS = 86_400_000;

export function generateSelfSigned(hostname: string, opts: SelfSignedOptions = {}): SelfSignedPair {
  const now = opts.now ?? new Date();
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const cert = buildCertificate({
    subject: hostname,
    names: [hostname, ...(opts.altNames ?? [])],
    notBefore: new Date(now.getTime() - DAY_MS),
    notAfter: new Date(now.getTime() + (opts.days ?? 365) * DAY_MS),
    publicKey,
    // basicConstraints cA=TRUE: OpenSSL only takes a self-signed cert as its own trust anchor
    // (the client's `ca` option) when it may sign certificates.
    ca: true,
    issuer: { name: hostname, key: privateKey },
  });
  return { key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), cert };
}

export interface IssueOptions {
  /** Common name of the subject. */
  readonly subject: string;
  /** subjectAltName entries (DNS names or IP literals); none for a CA. */
  readonly names?: readonly string[];
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly ca?: boolean;
}

/**
 * A certificate signed by `issuer` (a CA made by this function, or omitted for a self-signed
 * one), with validity dates as given: tests use it for a private CA, leaves under it and
 * expired ones.
 */
export function issueCertificate(opts: IssueOptions, issuer?: { readonly cert: string; readonly key: string }): SelfSignedPair {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const signer = issuer ? { name: new X509Certificate(issuer.cert).subject.replace(/^CN=/, ''), key: createPrivateKey(issuer.key) } : { name: opts.subject, key: privateKey };
  const cert = buildCertificate({ ...opts, names: opts.names ?? [], publicKey, ca: opts.ca ?? false, issuer: signer });
  return { key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), cert };
}

interface CertificateFields {
  readonly subject: string;
  readonly names: readonly string[];
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly publicKey: KeyObject;
  readonly ca: boolean;
  /** The issuer's common name (its whole subject: names here are one CN) and signing key. */
  readonly issuer: { readonly name: string; readonly key: KeyObject };
}

function buildCertificate(f: CertificateFields): string {
  const ecdsaWithSha256 = seq(oid('1.2.840.10045.4.3.2'));
  const cn = (n: string): Buffer => seq(set(seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from(n, 'utf8')))));
  const names = f.names.filter((n, i, all) => all.indexOf(n) === i);
  const extensions = [
    // basicConstraints, critical: cA=TRUE for a signer; an empty SEQUENCE (cA=FALSE) for a leaf.
    seq(oid('2.5.29.19'), tlv(0x01, Buffer.from([0xff])), tlv(0x04, f.ca ? seq(tlv(0x01, Buffer.from([0xff]))) : seq())),
    ...(names.length > 0 ? [seq(oid('2.5.29.17'), tlv(0x04, seq(...names.map(generalName))))] : []),
  ];
  const tbs = seq(
    tlv(0xa0, int(Buffer.from([2]))), // [0] version: v3, needed for extensions
    int(serialNumber()),
    ecdsaWithSha256,
    cn(f.issuer.name),
    seq(time(f.notBefore), time(f.notAfter)),
    cn(f.subject),
    f.publicKey.export({ type: 'spki', format: 'der' }),
    tlv(0xa3, seq(...extensions)),
  );
  // node signs EC keys as a DER ECDSA-Sig-Value, which is what X.509 wants in the BIT STRING.
  const signature = sign('sha256', tbs, f.issuer.key);
  return pem('CERTIFICATE', seq(tbs, ecdsaWithSha256, tlv(0x03, Buffer.concat([Buffer.from([0]), signature]))));
}

function generalName(name: string): Buffer {
  // iPAddress [7] holds the raw 4 or 16 bytes; dNSName [2] an IA5String (RFC 5280 §4.2.1.6).
  if (isIP(name) !== 0) return tlv(0x87, Buffer.from(ipaddr.parse(name).toByteArray()));
  return tlv(0x82, Buffer.from(name, 'ascii'));
}

function serialNumber(): Buffer {
  // Positive and at most 20 octets (RFC 5280 §4.1.2.2): clear the sign bit, avoid a leading zero.
  const s = randomBytes(16);
  s[0] = ((s[0] ?? 0) & 0x7f) | 0x40;
  return s;
}

function time(d: Date): Buffer {
  // UTCTime through 2049, GeneralizedTime after (RFC 5280 §4.1.2.5).
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(iso.slice(2), 'ascii')) : tlv(0x18, Buffer.from(iso, 'ascii'));
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  const n = body.length;
  let len: Buffer;
  if (n < 0x80) len = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
    len = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), len, body]);
}

const seq = (...c: Buffer[]): Buffer => tlv(0x30, ...c);
const set = (...c: Buffer[]): Buffer => tlv(0x31, ...c);

function int(unsigned: Buffer): Buffer {
  // DER INTEGER is two's complement: a set high bit needs a zero byte to stay positive.
  return tlv(0x02, (unsigned[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), unsigned]) : unsigned);
}

function oid(dotted: string): Buffer {
  const [a = 0, b = 0, ...rest] = dotted.split('.').map(Number);
  const out = [a * 40 + b];
  for (const arc of rest) {
    const base128 = [arc & 0x7f];
    for (let v = arc >>> 7; v > 0; v >>>= 7) base128.unshift((v & 0x7f) | 0x80);
    out.push(...base128);
  }
  return tlv(0x06, Buffer.from(out));
}

function pem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
