// Certificate checks on routes with tls required or implicit (issue 9, item 4): one txmail, one
// route per sink, each sink presenting a chosen certificate. A refused certificate defers, and
// the sink must have seen neither AUTH nor MAIL: the check happens in the handshake, before any
// credential or envelope travels. Opportunistic MX delivery keeps accepting any certificate.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { generateSelfSigned } from '../../src/lib/self-signed.js';
import { expiredLeaf, testCa } from '../support/certs.js';
import { startDnsServer, type DnsServer } from '../support/dns-server.js';
import { startTxmail, type Harness } from '../support/harness.js';
import { SINK_CREDENTIALS, startSink, type Sink, type SinkOptions } from '../support/sink.js';

const NAME = 'relay.tls.test';
const sinks: Record<string, Sink> = {};
let tx: Harness;
let mx: Harness;
let dns: DnsServer;

// Each case: the sink's TLS and certificate, and the route's mode and names.
const cases: Record<string, { sink: SinkOptions; tls: 'required' | 'implicit'; route?: Record<string, unknown> }> = {
  'self-signed': { sink: { cert: generateSelfSigned(NAME) }, tls: 'required' },
  'wrong-name': { sink: { cert: testCa().issue(['other.tls.test']) }, tls: 'required' },
  expired: { sink: { cert: expiredLeaf([NAME]) }, tls: 'required' },
  valid: { sink: { cert: testCa().issue([NAME]) }, tls: 'required' },
  'implicit-valid': { sink: { tls: 'implicit', cert: testCa().issue([NAME]) }, tls: 'implicit' },
  'implicit-self-signed': { sink: { tls: 'implicit', cert: generateSelfSigned(NAME) }, tls: 'implicit' },
  // No tls_name: the route's host, an IP literal, is the name, matched against IP SANs.
  'by-ip': { sink: { cert: testCa().issue(['127.0.0.1']) }, tls: 'required', route: { tls_name: undefined } },
  'no-starttls': { sink: { tls: 'none' }, tls: 'required' },
  // No tls_ca_file: the system roots, which do not include the test CA.
  'system-roots': { sink: { cert: testCa().issue([NAME]) }, tls: 'required', route: { tls_ca_file: undefined } },
};

before(async () => {
  const routes = [];
  for (const [name, c] of Object.entries(cases)) {
    const sink = (sinks[name] = await startSink({ ...c.sink, authRequired: true }));
    const route = { match: `${name}.test`, host: '127.0.0.1', port: sink.port, tls: c.tls, tls_name: NAME, tls_ca_file: testCa().file, auth: SINK_CREDENTIALS, ...c.route };
    routes.push(Object.fromEntries(Object.entries(route).filter(([, v]) => v !== undefined)));
  }
  tx = await startTxmail({ 'delivery.routes': routes });
  // Plain MX delivery, the sink presenting a certificate nobody could verify.
  const mxSink = (sinks.mx = await startSink({ cert: generateSelfSigned('mx.elsewhere.invalid') }));
  dns = await startDnsServer({ 'mx.test': { MX: [{ exchange: 'mx1.mx.test', priority: 10 }] }, 'mx1.mx.test': { A: ['127.0.0.1'] } });
  mx = await startTxmail({ 'dns.servers': [dns.address], 'dns.timeout_ms': 500, 'dns.tries': 1, 'delivery.port': mxSink.port });
});

after(async () => {
  await tx.close();
  await mx.close();
  await dns.close();
  for (const s of Object.values(sinks)) await s.close();
});

async function send(h: Harness, to: string): Promise<string> {
  const res = await h.post('/v1/messages', { from: 'app@sender.test', to, subject: 'TLS', text: 'hello' });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return res.body.id as string;
}

type Details = { version?: string; cipher?: string; verified: boolean; verified_by?: string; name?: string; failure?: string; detail?: string };

async function deferred(name: string): Promise<{ reply: string; tls: Details | undefined }> {
  const v = await tx.waitForStates(await send(tx, `user@${name}.test`), ['deferred']);
  const d = v.deliveries[0]!;
  assert.equal(d.reason, 'tls_required');
  const e = v.events.find((x) => x.type === 'deferred');
  assert.ok(e && e.type === 'deferred');
  const sink = sinks[name]!;
  assert.equal(sink.messages.length, 0, 'no message reached the sink');
  assert.deepEqual(sink.commands, [], 'neither AUTH nor MAIL reached the sink');
  return { reply: d.lastReply ?? '', tls: e.data.tls_details as Details | undefined };
}

test('a self-signed certificate defers, naming it; no AUTH, no MAIL', async () => {
  const { reply, tls } = await deferred('self-signed');
  assert.match(reply, /TLS certificate refused: self-signed certificate \(certificate-not-trusted\)/);
  assert.deepEqual(tls, { verified: false, name: NAME, failure: 'certificate-not-trusted', detail: 'self-signed certificate' });
});

test('a certificate for another name defers with a host name mismatch', async () => {
  const { reply, tls } = await deferred('wrong-name');
  assert.match(reply, new RegExp(`certificate is not valid for ${NAME} \\(certificate-host-mismatch\\)`));
  assert.equal(tls?.failure, 'certificate-host-mismatch');
});

test('an expired certificate defers as expired', async () => {
  const { reply, tls } = await deferred('expired');
  assert.match(reply, /certificate has expired \(certificate-expired\)/);
  assert.equal(tls?.failure, 'certificate-expired');
});

test('implicit TLS checks the certificate too', async () => {
  const { reply } = await deferred('implicit-self-signed');
  assert.match(reply, /self-signed certificate/);
});

test('without tls_ca_file the system roots decide: a private CA is not trusted', async () => {
  const { reply, tls } = await deferred('system-roots');
  assert.match(reply, /issuer not trusted .*\(certificate-not-trusted\); the route needs a certificate for relay\.tls\.test trusted by the system CA roots/);
  assert.equal(tls?.failure, 'certificate-not-trusted');
});

test('a server without STARTTLS gets no credentials in clear', async () => {
  const { tls } = await deferred('no-starttls');
  assert.equal(tls?.failure, 'starttls-not-supported');
});

async function delivered(h: Harness, name: string, domain = `${name}.test`): Promise<Details> {
  const v = await h.waitForStates(await send(h, `user@${domain}`), ['delivered']);
  const e = v.events.find((x) => x.type === 'delivered');
  assert.ok(e && e.type === 'delivered');
  assert.equal(e.data.tls, true);
  return e.data.tls_details as Details;
}

test('a certificate valid under the route CA delivers, AUTH only after TLS; the attempt records the TLS', async () => {
  const tls = await delivered(tx, 'valid');
  assert.equal(tls.verified, true);
  assert.equal(tls.verified_by, 'route_ca_file');
  assert.equal(tls.name, NAME);
  assert.match(tls.version ?? '', /^TLSv1\.[23]$/);
  assert.ok(tls.cipher);
  const sink = sinks.valid!;
  assert.equal(sink.messages[0]?.authUser, SINK_CREDENTIALS.user);
  assert.ok(sink.commands.length >= 2 && sink.commands.every((c) => c.secure), JSON.stringify(sink.commands));
});

test('implicit TLS with a valid certificate delivers', async () => {
  const tls = await delivered(tx, 'implicit-valid');
  assert.equal(tls.verified, true);
  assert.equal(sinks['implicit-valid']!.messages[0]?.secure, true);
});

test('without tls_name the route host (an IP here) is the name checked', async () => {
  const tls = await delivered(tx, 'by-ip');
  assert.deepEqual([tls.verified, tls.name], [true, '127.0.0.1']);
});

test('opportunistic MX delivery still accepts a certificate it cannot verify (RFC 7435) and records it unverified', async () => {
  const tls = await delivered(mx, 'mx', 'mx.test');
  assert.equal(tls.verified, false);
  assert.match(tls.version ?? '', /^TLSv1\.[23]$/);
  assert.equal(sinks.mx!.messages[0]?.secure, true);
});
