// MX resolution through a real DNS server the test runs: preference and fallback, implicit
// MX, null MX, NXDOMAIN, SERVFAIL and the egress filter, each seen end to end.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startDnsServer, type DnsServer } from '../support/dns-server.js';
import { startSink, type Sink } from '../support/sink.js';
import { startTxmail, type Harness } from '../support/harness.js';

let dns: DnsServer;
let sink: Sink;
let tx: Harness;
let strict: Harness;

before(async () => {
  sink = await startSink({ tls: 'none' });
  dns = await startDnsServer({
    // The preferred MX points at an address where nothing listens on the sink's port.
    'fallback.test': { MX: [{ exchange: 'mx1.fallback.test', priority: 10 }, { exchange: 'mx2.fallback.test', priority: 20 }] },
    'mx1.fallback.test': { A: ['127.0.0.2'] },
    'mx2.fallback.test': { A: ['127.0.0.1'] },
    // No MX at all: the domain's own address is the implicit MX (RFC 5321 §5.1).
    'implicit.test': { A: ['127.0.0.1'] },
    'nullmx.test': { MX: [{ exchange: '.', priority: 0 }] },
    'nxdomain.test': { nxdomain: true },
    'servfail.test': { servfail: true },
  });
  const common = { 'dns.servers': [dns.address], 'dns.timeout_ms': 500, 'dns.tries': 1, 'delivery.port': sink.port, 'delivery.timeouts.connect_s': 1 };
  tx = await startTxmail(common);
  strict = await startTxmail({ ...common, 'delivery.allow_private_targets': false });
});
after(async () => {
  await tx.close();
  await strict.close();
  await sink.close();
  await dns.close();
});

async function send(h: Harness, to: string): Promise<string> {
  const res = await h.post('/v1/messages', { from: 'app@sender.test', to, subject: 'Routing', text: 'hello' });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return res.body.id as string;
}

test('the next MX host is tried when the preferred one refuses the connection', async () => {
  const v = await tx.waitForStates(await send(tx, 'user@fallback.test'), ['delivered']);
  assert.equal(v.deliveries[0]!.lastMx, 'mx2.fallback.test');
  assert.equal(v.deliveries[0]!.attempts, 1);
});

test('a domain without MX records is delivered to its own address', async () => {
  const v = await tx.waitForStates(await send(tx, 'user@implicit.test'), ['delivered']);
  assert.equal(v.deliveries[0]!.lastMx, 'implicit.test');
});

test('a null MX bounces at once, hard', async () => {
  const v = await tx.waitForStates(await send(tx, 'user@nullmx.test'), ['bounced']);
  const d = v.deliveries[0]!;
  assert.deepEqual([d.bounceClass, d.reason, d.attempts], ['hard', 'host_unknown', 1]);
  assert.match(d.lastReply ?? '', /null MX/i);
});

test('a domain that does not exist bounces, hard', async () => {
  const v = await tx.waitForStates(await send(tx, 'user@nxdomain.test'), ['bounced']);
  assert.deepEqual([v.deliveries[0]!.bounceClass, v.deliveries[0]!.reason], ['hard', 'host_unknown']);
});

test('a DNS server failure defers instead of bouncing', async () => {
  const v = await tx.waitForStates(await send(tx, 'user@servfail.test'), ['deferred']);
  assert.equal(v.deliveries[0]!.reason, 'dns_failure');
});

test('an MX on a loopback address is refused by the egress filter, and the refusal says why', async () => {
  const v = await strict.waitForStates(await send(strict, 'user@implicit.test'), ['bounced']);
  const d = v.deliveries[0]!;
  assert.deepEqual([d.bounceClass, d.reason], ['soft', 'egress_refused']);
  assert.match(d.lastReply ?? '', /127\.0\.0\.1 is loopback/);
  assert.equal(sink.messages.filter((m) => m.to.includes('user@implicit.test')).length, 1, 'only the permissive instance delivered');
});
