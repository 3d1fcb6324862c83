// The scripted DNS server, checked through node's own resolver: what it answers is what the
// delivery code will see.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import { startDnsServer, type DnsServer, type Zone } from './dns-server.js';

const zone: Zone = {
  'example.test': {
    MX: [
      { exchange: 'mx1.example.test', priority: 10 },
      { exchange: 'mx2.example.test', priority: 20 },
    ],
    A: ['192.0.2.1'],
    AAAA: ['2001:db8::1'],
    TXT: [['v=spf1 ', '-all'], ['hello']],
    ttl: { A: 42 },
  },
  'Mixed.Case.TEST.': { A: ['192.0.2.2'], ttl: 7 },
  'alias.example.test': { CNAME: 'example.test' },
  'dangling.example.test': { CNAME: 'missing.example.test' },
  'null.example.test': { MX: [{ exchange: '.', priority: 0 }] },
  'nx.example.test': { nxdomain: true },
  'sf.example.test': { servfail: true },
  'rf.example.test': { refused: true },
  'slow.example.test': { timeout: true },
  'sel._domainkey.example.test': { TXT: [['v=DKIM1; k=rsa; p=' + 'A'.repeat(600)]] },
  'many.example.test': { TXT: Array.from({ length: 8 }, (_, i) => [`record-${i}-${'x'.repeat(200)}`]) },
};

async function withServer(z: Zone, fn: (s: DnsServer, r: Resolver) => Promise<void>, timeoutMs = 1000): Promise<void> {
  const s = await startDnsServer(z);
  const r = new Resolver({ timeout: timeoutMs, tries: 1 });
  r.setServers([s.address]);
  try {
    await fn(s, r);
  } finally {
    r.cancel();
    await s.close();
  }
}

const code = async (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'resolved',
    (e: unknown) => (e instanceof Error && 'code' in e ? String(e.code) : String(e)),
  );

test('listens on 127.0.0.1 with an OS-chosen port', async () => {
  await withServer(zone, async (s) => {
    assert.match(s.address, /^127\.0\.0\.1:\d+$/);
    assert.equal(s.address, `127.0.0.1:${s.port}`);
    assert.ok(s.port > 0);
  });
});

test('MX, A and AAAA with TTLs (default 300, per record set, per name)', async () => {
  await withServer(zone, async (_s, r) => {
    assert.deepEqual(await r.resolveMx('example.test'), [
      { exchange: 'mx1.example.test', priority: 10 },
      { exchange: 'mx2.example.test', priority: 20 },
    ]);
    assert.deepEqual(await r.resolve4('example.test', { ttl: true }), [{ address: '192.0.2.1', ttl: 42 }]);
    assert.deepEqual(await r.resolve6('example.test', { ttl: true }), [{ address: '2001:db8::1', ttl: 300 }]);
    assert.deepEqual(await r.resolve4('mixed.case.test', { ttl: true }), [{ address: '192.0.2.2', ttl: 7 }]);
    assert.deepEqual(await r.resolve4('MIXED.case.test'), ['192.0.2.2']);
  });
});

test('TXT records keep their character-strings; long strings are split at 255 bytes', async () => {
  await withServer(zone, async (_s, r) => {
    const txt = await r.resolveTxt('example.test');
    assert.deepEqual(txt, [['v=spf1 ', '-all'], ['hello']]);
    const [dkim] = await r.resolveTxt('sel._domainkey.example.test');
    assert.deepEqual(
      dkim?.map((s) => s.length),
      [255, 255, 108],
    );
    assert.equal(dkim?.join(''), 'v=DKIM1; k=rsa; p=' + 'A'.repeat(600));
  });
});

test('answers too large for UDP are truncated and served over TCP', async () => {
  await withServer(zone, async (s, r) => {
    const txt = await r.resolveTxt('many.example.test');
    assert.equal(txt.length, 8);
    assert.deepEqual(
      s.queries.filter((q) => q.name === 'many.example.test').map((q) => q.transport),
      ['udp', 'tcp'],
    );
  });
});

test('CNAME: the chain and the target records; a dangling alias has no records', async () => {
  await withServer(zone, async (_s, r) => {
    assert.deepEqual(await r.resolve4('alias.example.test'), ['192.0.2.1']);
    assert.deepEqual(await r.resolveCname('alias.example.test'), ['example.test']);
    // c-ares reports the CNAME-only answer as an empty list rather than ENODATA.
    assert.deepEqual(await r.resolve4('dangling.example.test'), []);
  });
});

test('null MX is the root name, which node reports as ""', async () => {
  await withServer(zone, async (_s, r) => {
    assert.deepEqual(await r.resolveMx('null.example.test'), [{ exchange: '', priority: 0 }]);
  });
});

test('NXDOMAIN for unknown and scripted names, NODATA for a known name without the type', async () => {
  await withServer(zone, async (_s, r) => {
    assert.equal(await code(r.resolveMx('unknown.test')), 'ENOTFOUND');
    assert.equal(await code(r.resolve4('nx.example.test')), 'ENOTFOUND');
    assert.equal(await code(r.resolveMx('nx.example.test')), 'ENOTFOUND');
    assert.equal(await code(r.resolveMx('mixed.case.test')), 'ENODATA');
    assert.equal(await code(r.resolveTxt('null.example.test')), 'ENODATA');
  });
});

test('SERVFAIL and REFUSED rcodes', async () => {
  await withServer(zone, async (_s, r) => {
    assert.equal(await code(r.resolveMx('sf.example.test')), 'ESERVFAIL');
    assert.equal(await code(r.resolve4('rf.example.test')), 'EREFUSED');
  });
});

test('a timeout name is never answered', async () => {
  await withServer(
    zone,
    async (s, r) => {
      assert.equal(await code(r.resolve4('slow.example.test')), 'ETIMEOUT');
      assert.ok(s.queries.some((q) => q.name === 'slow.example.test'));
    },
    100,
  );
});

test('setZone replaces the whole table; queries are logged', async () => {
  await withServer(zone, async (s, r) => {
    assert.deepEqual(await r.resolve4('example.test'), ['192.0.2.1']);
    s.setZone({ 'example.test': { A: ['192.0.2.9'] } });
    assert.deepEqual(await r.resolve4('example.test'), ['192.0.2.9']);
    assert.equal(await code(r.resolve4('mixed.case.test')), 'ENOTFOUND');
    assert.deepEqual(
      s.queries.map((q) => `${q.type} ${q.name}`),
      ['A example.test', 'A example.test', 'A mixed.case.test'],
    );
  });
});

test('two servers run side by side on different ports', async () => {
  const a = await startDnsServer({ 'x.test': { A: ['192.0.2.1'] } });
  const b = await startDnsServer({ 'x.test': { A: ['192.0.2.2'] } });
  try {
    assert.notEqual(a.port, b.port);
    const ra = new Resolver({ timeout: 1000, tries: 1 });
    ra.setServers([a.address]);
    const rb = new Resolver({ timeout: 1000, tries: 1 });
    rb.setServers([b.address]);
    assert.deepEqual([await ra.resolve4('x.test'), await rb.resolve4('x.test')], [['192.0.2.1'], ['192.0.2.2']]);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});
