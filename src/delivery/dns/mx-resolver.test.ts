// MxResolver against a real DNS server on loopback. Addresses in the zones are public ones
// (nothing connects to them) unless a test is about the egress filter.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../config/load.js';
import { seededRandom } from '../../domain/routing/plan.js';
import { startDnsServer, type DnsServer, type Zone } from '../../../test/support/dns-server.js';
import { createNodeDnsPort } from './dns-port.js';
import { MxResolver, mxResolverFromConfig, type MxResolverOptions, type ResolvedPlan } from './mx-resolver.js';

const T0 = Date.UTC(2025, 0, 1);
const S = 1000;

async function setup(t: TestContext, zone: Zone, opts: Partial<MxResolverOptions> = {}): Promise<{ server: DnsServer; resolver: MxResolver }> {
  const server = await startDnsServer(zone);
  t.after(() => server.close());
  const dns = createNodeDnsPort({ servers: [server.address], timeout_ms: 100, tries: 1 });
  return { server, resolver: new MxResolver({ dns, port: 2525, random: seededRandom(1), ...opts }) };
}

/** Targets as "host ip", or the failure as "permanent|temporary reason". */
function summary(p: ResolvedPlan): string[] | string {
  if (p.kind === 'fail') return `${p.permanent ? 'permanent' : 'temporary'} ${p.reason}`;
  return p.targets.map((x) => `${x.host} ${x.ip}`);
}

const failText = (p: ResolvedPlan): string => (p.kind === 'fail' ? p.text : '');

test('MX hosts in preference order, IPv4 before IPv6, port and TLS from config', async (t) => {
  const { resolver } = await setup(t, {
    'example.com': {
      MX: [
        { exchange: 'mx2.example.com', priority: 20 },
        { exchange: 'MX1.example.com.', priority: 10 },
      ],
    },
    'mx1.example.com': { A: ['8.8.8.8'], AAAA: ['2606:4700::1111'] },
    'mx2.example.com': { A: ['9.9.9.9', '1.1.1.1'] },
  });
  const plan = await resolver.resolve('Example.COM', T0);
  assert.deepEqual(summary(plan), ['mx1.example.com 8.8.8.8', 'mx1.example.com 2606:4700::1111', 'mx2.example.com 9.9.9.9', 'mx2.example.com 1.1.1.1']);
  assert.equal(plan.kind === 'targets' && plan.via, 'mx');
  assert.deepEqual(plan.kind === 'targets' && plan.targets[0], { host: 'mx1.example.com', ip: '8.8.8.8', port: 2525, tls: 'opportunistic' });
});

test('ipv6-first puts AAAA addresses first within each host', async (t) => {
  const { resolver } = await setup(
    t,
    { 'example.com': { MX: [{ exchange: 'mx.example.com', priority: 1 }] }, 'mx.example.com': { A: ['8.8.8.8'], AAAA: ['2606:4700::1111'] } },
    { addressOrder: 'ipv6-first', tls: 'required' },
  );
  const plan = await resolver.resolve('example.com', T0);
  assert.deepEqual(summary(plan), ['mx.example.com 2606:4700::1111', 'mx.example.com 8.8.8.8']);
  assert.equal(plan.kind === 'targets' && plan.targets[0]?.tls, 'required');
});

test('equal preferences are shuffled by the random source', async (t) => {
  const zone: Zone = {
    'example.com': { MX: ['a', 'b', 'c', 'd'].map((h) => ({ exchange: `${h}.example.com`, priority: 10 })) },
    'a.example.com': { A: ['8.8.8.1'] },
    'b.example.com': { A: ['8.8.8.2'] },
    'c.example.com': { A: ['8.8.8.3'] },
    'd.example.com': { A: ['8.8.8.4'] },
  };
  const { resolver } = await setup(t, zone, { random: seededRandom(3) });
  const orders = new Set<string>();
  for (let i = 0; i < 20; i++) orders.add(JSON.stringify(summary(await resolver.resolve('example.com', T0))));
  assert.ok(orders.size > 1, 'the order varies between calls, even from the cached answer');
});

test('a host without address is skipped: NXDOMAIN, NODATA, or a DNS error when another host answers', async (t) => {
  const { resolver } = await setup(t, {
    'example.com': {
      MX: [
        { exchange: 'gone.example.com', priority: 5 },
        { exchange: 'noaddr.example.com', priority: 10 },
        { exchange: 'broken.example.com', priority: 15 },
        { exchange: 'good.example.com', priority: 20 },
      ],
    },
    'noaddr.example.com': { TXT: [['no address here']] },
    'broken.example.com': { servfail: true },
    'good.example.com': { A: ['8.8.8.8'] },
  });
  assert.deepEqual(summary(await resolver.resolve('example.com', T0)), ['good.example.com 8.8.8.8']);
});

test('the same address under two MX names is tried once', async (t) => {
  const { resolver } = await setup(t, {
    'example.com': {
      MX: [
        { exchange: 'a.example.com', priority: 10 },
        { exchange: 'b.example.com', priority: 20 },
      ],
    },
    'a.example.com': { A: ['8.8.8.8'] },
    'b.example.com': { A: ['8.8.8.8', '8.8.4.4'] },
  });
  assert.deepEqual(summary(await resolver.resolve('example.com', T0)), ['a.example.com 8.8.8.8', 'b.example.com 8.8.4.4']);
});

test('an MX host reached through a CNAME', async (t) => {
  const { resolver } = await setup(t, {
    'example.com': { MX: [{ exchange: 'mail.example.com', priority: 10 }] },
    'mail.example.com': { CNAME: 'real.example.net' },
    'real.example.net': { A: ['8.8.8.8'] },
  });
  assert.deepEqual(summary(await resolver.resolve('example.com', T0)), ['mail.example.com 8.8.8.8']);
});

test('at most maxMxHosts hosts are looked up', async (t) => {
  const zone: Record<string, Zone[string]> = { 'example.com': { MX: Array.from({ length: 5 }, (_, i) => ({ exchange: `mx${i}.example.com`, priority: i })) } };
  for (let i = 0; i < 5; i++) zone[`mx${i}.example.com`] = { A: [`8.8.8.${i + 1}`] };
  const { resolver, server } = await setup(t, zone, { maxMxHosts: 2 });
  assert.deepEqual(summary(await resolver.resolve('example.com', T0)), ['mx0.example.com 8.8.8.1', 'mx1.example.com 8.8.8.2']);
  assert.ok(!server.queries.some((q) => q.name === 'mx2.example.com'));
});

test('implicit MX: no MX records, the domain itself (RFC 5321 §5.1)', async (t) => {
  const { resolver } = await setup(t, { 'example.com': { A: ['8.8.8.8'], TXT: [['v=spf1 -all']] } });
  const plan = await resolver.resolve('example.com', T0);
  assert.deepEqual(summary(plan), ['example.com 8.8.8.8']);
  assert.equal(plan.kind === 'targets' && plan.via, 'implicit');
});

test('implicit MX without any address: permanent host_unknown', async (t) => {
  const { resolver } = await setup(t, { 'example.com': { TXT: [['v=spf1 -all']] } });
  const plan = await resolver.resolve('example.com', T0);
  assert.equal(summary(plan), 'permanent host_unknown');
  assert.match(failText(plan), /no MX records and no address/);
});

test('every MX host nonexistent: permanent host_unknown', async (t) => {
  const { resolver } = await setup(t, { 'example.com': { MX: [{ exchange: 'gone.example.com', priority: 10 }] } });
  const plan = await resolver.resolve('example.com', T0);
  assert.equal(summary(plan), 'permanent host_unknown');
  assert.equal(failText(plan), 'example.com: no MX host has an address: gone.example.com (NXDOMAIN)');
});

test('null MX: permanent host_unknown, no address lookups', async (t) => {
  const { resolver, server } = await setup(t, { 'example.com': { MX: [{ exchange: '.', priority: 0 }], A: ['8.8.8.8'] } });
  const plan = await resolver.resolve('example.com', T0);
  assert.equal(summary(plan), 'permanent host_unknown');
  assert.match(failText(plan), /null MX \(RFC 7505\)/);
  assert.deepEqual(
    server.queries.map((q) => q.type),
    ['MX'],
  );
});

test('NXDOMAIN for the domain: permanent host_unknown', async (t) => {
  const { resolver } = await setup(t, { 'other.com': { A: ['8.8.8.8'] } });
  assert.equal(summary(await resolver.resolve('example.com', T0)), 'permanent host_unknown');
});

test('SERVFAIL for the MX query: temporary dns_failure', async (t) => {
  const { resolver } = await setup(t, { 'example.com': { servfail: true } });
  const plan = await resolver.resolve('example.com', T0);
  assert.equal(summary(plan), 'temporary dns_failure');
  assert.match(failText(plan), /ESERVFAIL/);
});

test('timeout of the MX query: temporary dns_failure', async (t) => {
  const { resolver } = await setup(t, { 'example.com': { timeout: true } });
  const plan = await resolver.resolve('example.com', T0);
  assert.equal(summary(plan), 'temporary dns_failure');
  assert.match(failText(plan), /ETIMEOUT/);
});

test('address lookups failing for every host: temporary, even if some host is NXDOMAIN', async (t) => {
  const { resolver } = await setup(t, {
    'example.com': {
      MX: [
        { exchange: 'slow.example.com', priority: 10 },
        { exchange: 'gone.example.com', priority: 20 },
      ],
    },
    'slow.example.com': { timeout: true },
  });
  const plan = await resolver.resolve('example.com', T0);
  assert.equal(summary(plan), 'temporary dns_failure');
  assert.match(failText(plan), /slow\.example\.com \(A ETIMEOUT, AAAA ETIMEOUT\)/);
});

test('egress: loopback and private addresses refused, public ones kept and refusals reported', async (t) => {
  const { resolver } = await setup(t, {
    'example.com': {
      MX: [
        { exchange: 'inside.example.com', priority: 10 },
        { exchange: 'outside.example.com', priority: 20 },
      ],
    },
    'inside.example.com': { A: ['10.0.0.5'], AAAA: ['::ffff:127.0.0.1'] },
    'outside.example.com': { A: ['8.8.8.8'] },
  });
  const plan = await resolver.resolve('example.com', T0);
  assert.deepEqual(summary(plan), ['outside.example.com 8.8.8.8']);
  assert.deepEqual(plan.kind === 'targets' && plan.refused, [
    { host: 'inside.example.com', ip: '10.0.0.5', why: '10.0.0.5 is private (RFC 1918)' },
    { host: 'inside.example.com', ip: '::ffff:127.0.0.1', why: '::ffff:127.0.0.1 is loopback (embeds IPv4 127.0.0.1)' },
  ]);
});

test('egress: every address refused is a permanent egress_refused naming the range', async (t) => {
  const zone: Zone = { 'example.com': { MX: [{ exchange: 'mx.example.com', priority: 10 }] }, 'mx.example.com': { A: ['127.0.0.1'], AAAA: ['::1'] } };
  const { resolver } = await setup(t, zone);
  const plan = await resolver.resolve('example.com', T0);
  assert.equal(summary(plan), 'permanent egress_refused');
  assert.equal(failText(plan), 'example.com: no permitted address: 127.0.0.1 is loopback (mx.example.com); ::1 is loopback (mx.example.com)');
});

test('egress: allow_private lets loopback through (tests, internal relays)', async (t) => {
  const zone: Zone = { 'example.com': { MX: [{ exchange: 'mx.example.com', priority: 10 }] }, 'mx.example.com': { A: ['127.0.0.1'], AAAA: ['::1'] } };
  const { resolver } = await setup(t, zone, { allowPrivate: true });
  assert.deepEqual(summary(await resolver.resolve('example.com', T0)), ['mx.example.com 127.0.0.1', 'mx.example.com ::1']);
});

test('egress refusals beside a DNS error defer rather than bounce', async (t) => {
  const { resolver } = await setup(t, {
    'example.com': {
      MX: [
        { exchange: 'broken.example.com', priority: 10 },
        { exchange: 'inside.example.com', priority: 20 },
      ],
    },
    'broken.example.com': { servfail: true },
    'inside.example.com': { A: ['192.168.1.1'] },
  });
  assert.equal(summary(await resolver.resolve('example.com', T0)), 'temporary dns_failure');
});

test('cache: MX answers kept for the default TTL, then asked again', async (t) => {
  const { resolver, server } = await setup(t, {
    'example.com': { MX: [{ exchange: 'old.example.com', priority: 10 }] },
    'old.example.com': { A: ['8.8.8.8'], ttl: 3600 },
    'new.example.com': { A: ['9.9.9.9'] },
  });
  assert.deepEqual(summary(await resolver.resolve('example.com', T0)), ['old.example.com 8.8.8.8']);
  const mxQueries = (): number => server.queries.filter((q) => q.type === 'MX').length;
  server.setZone({ 'example.com': { MX: [{ exchange: 'new.example.com', priority: 10 }] }, 'new.example.com': { A: ['9.9.9.9'] } });
  assert.deepEqual(summary(await resolver.resolve('example.com', T0 + 299 * S)), ['old.example.com 8.8.8.8']);
  assert.equal(mxQueries(), 1, 'answered from the cache');
  assert.deepEqual(summary(await resolver.resolve('example.com', T0 + 300 * S)), ['new.example.com 9.9.9.9']);
  assert.equal(mxQueries(), 2);
});

test('cache: address answers honour their own TTL', async (t) => {
  const { resolver, server } = await setup(t, {
    'example.com': { MX: [{ exchange: 'mx.example.com', priority: 10 }] },
    'mx.example.com': { A: ['8.8.8.8'], ttl: 30 },
  });
  await resolver.resolve('example.com', T0);
  server.setZone({ 'example.com': { MX: [{ exchange: 'mx.example.com', priority: 10 }] }, 'mx.example.com': { A: ['9.9.9.9'] } });
  assert.deepEqual(summary(await resolver.resolve('example.com', T0 + 29 * S)), ['mx.example.com 8.8.8.8']);
  assert.deepEqual(summary(await resolver.resolve('example.com', T0 + 30 * S)), ['mx.example.com 9.9.9.9']);
  assert.deepEqual(
    server.queries.filter((q) => q.type === 'MX').length,
    1,
    'the MX answer was still fresh',
  );
});

test('cache: max_cache_ttl_s caps every TTL; 0 disables caching', async (t) => {
  const zone: Zone = { 'example.com': { MX: [{ exchange: 'mx.example.com', priority: 10 }] }, 'mx.example.com': { A: ['8.8.8.8'], ttl: 3600 } };
  const capped = await setup(t, zone, { maxCacheTtlS: 10 });
  await capped.resolver.resolve('example.com', T0);
  await capped.resolver.resolve('example.com', T0 + 9 * S);
  assert.equal(capped.server.queries.length, 3);
  await capped.resolver.resolve('example.com', T0 + 10 * S);
  assert.equal(capped.server.queries.length, 6);

  const off = await setup(t, zone, { maxCacheTtlS: 0 });
  await off.resolver.resolve('example.com', T0);
  await off.resolver.resolve('example.com', T0);
  assert.equal(off.server.queries.length, 6);
});

test('cache: NXDOMAIN remembered for the negative TTL; errors not at all', async (t) => {
  const { resolver, server } = await setup(t, { 'broken.com': { servfail: true } });
  assert.equal(summary(await resolver.resolve('example.com', T0)), 'permanent host_unknown');
  assert.equal(summary(await resolver.resolve('broken.com', T0)), 'temporary dns_failure');
  server.setZone({ 'example.com': { A: ['8.8.8.8'] }, 'broken.com': { A: ['9.9.9.9'] } });
  assert.equal(summary(await resolver.resolve('example.com', T0 + 59 * S)), 'permanent host_unknown');
  assert.deepEqual(summary(await resolver.resolve('example.com', T0 + 60 * S)), ['example.com 8.8.8.8']);
  assert.deepEqual(summary(await resolver.resolve('broken.com', T0 + 1 * S)), ['broken.com 9.9.9.9']);
});

test('cache: concurrent resolutions of one domain share one query per name and type', async (t) => {
  const { resolver, server } = await setup(t, {
    'example.com': { MX: [{ exchange: 'mx.example.com', priority: 10 }] },
    'mx.example.com': { A: ['8.8.8.8'] },
  });
  const plans = await Promise.all(Array.from({ length: 10 }, () => resolver.resolve('example.com', T0)));
  for (const p of plans) assert.deepEqual(summary(p), ['mx.example.com 8.8.8.8']);
  assert.deepEqual(
    server.queries.map((q) => `${q.type} ${q.name}`),
    ['MX example.com', 'A mx.example.com', 'AAAA mx.example.com'],
  );
});

test('routes: an IP literal route bypasses MX and the egress filter', async (t) => {
  const { resolver, server } = await setup(t, {}, {
    routes: [
      { match: '*', host: 'unused.invalid', port: 25, tls: 'none' },
      { match: '*.corp.example', host: '[::1]', port: 2526, tls: 'none' },
      { match: 'relay.corp.example', host: '127.0.0.1', port: 587, tls: 'required', auth: { user: 'u', pass: 'p' } },
    ],
  });
  assert.deepEqual(await resolver.resolve('relay.corp.example', T0), {
    kind: 'targets',
    via: 'route',
    // tls required: the certificate must verify for the route's host, under the system roots.
    targets: [{ host: '127.0.0.1', ip: '127.0.0.1', port: 587, tls: 'required', auth: { user: 'u', pass: 'p' }, verify: { name: '127.0.0.1', by: 'route_system_ca' } }],
    refused: [],
  });
  assert.deepEqual(summary(await resolver.resolve('hr.corp.example', T0)), ['[::1] ::1']);
  assert.deepEqual(server.queries, []);
});

test('routes: a host name is resolved with A/AAAA; if it has none the delivery defers', async (t) => {
  const { resolver } = await setup(
    t,
    { 'smarthost.internal': { A: ['10.1.1.1'] }, 'example.com': { MX: [{ exchange: 'mx.example.com', priority: 1 }] } },
    {
      routes: [
        { match: 'example.com', host: 'smarthost.internal', port: 2525, tls: 'opportunistic' },
        { match: 'typo.com', host: 'smarthost.typo', port: 25, tls: 'none' },
      ],
    },
  );
  const plan = await resolver.resolve('example.com', T0);
  assert.deepEqual(plan, {
    kind: 'targets',
    via: 'route',
    targets: [{ host: 'smarthost.internal', ip: '10.1.1.1', port: 2525, tls: 'opportunistic' }],
    refused: [],
  });
  const bad = await resolver.resolve('typo.com', T0);
  assert.equal(summary(bad), 'temporary dns_failure');
  assert.equal(failText(bad), 'typo.com: route host smarthost.typo (match typo.com) has no address: NXDOMAIN');
});

test('mxResolverFromConfig wires dns.* and delivery.* keys', async (t) => {
  const server = await startDnsServer({
    'example.com': { MX: [{ exchange: 'mx.example.com', priority: 10 }] },
    'mx.example.com': { A: ['127.0.0.1'] },
  });
  t.after(() => server.close());
  const config = loadConfig({
    env: {},
    overrides: {
      'dns.servers': [server.address],
      'dns.timeout_ms': 100,
      'dns.tries': 1,
      'delivery.port': 2626,
      'delivery.tls': 'none',
      'delivery.allow_private_targets': true,
      'delivery.routes': [{ match: 'routed.com', host: '127.0.0.2', port: 25, tls: 'none' }],
    },
  });
  const resolver = mxResolverFromConfig(config);
  assert.deepEqual(await resolver.resolve('example.com', T0), {
    kind: 'targets',
    via: 'mx',
    targets: [{ host: 'mx.example.com', ip: '127.0.0.1', port: 2626, tls: 'none' }],
    refused: [],
  });
  assert.deepEqual(summary(await resolver.resolve('routed.com', T0)), ['127.0.0.2 127.0.0.2']);
});
