// The node adapter against a real DNS server on loopback: every outcome becomes a value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDnsServer, type DnsServer } from '../../../test/support/dns-server.js';
import { createNodeDnsPort, toNegativeAnswer, type DnsPort } from './dns-port.js';

async function withPort(fn: (port: DnsPort, server: DnsServer) => Promise<void>): Promise<void> {
  const server = await startDnsServer({
    'example.test': {
      MX: [{ exchange: 'mx.example.test.', priority: 10 }],
      A: ['192.0.2.1', '192.0.2.2'],
      AAAA: ['2001:db8::1'],
      TXT: [['v=spf1 ', '-all']],
      ttl: { A: 30, AAAA: 90 },
    },
    'null.test': { MX: [{ exchange: '.', priority: 0 }] },
    'alias.test': { CNAME: 'gone.test' },
    'nx.test': { nxdomain: true },
    'sf.test': { servfail: true },
    'rf.test': { refused: true },
    'slow.test': { timeout: true },
  });
  try {
    await fn(createNodeDnsPort({ servers: [server.address], timeout_ms: 100, tries: 1 }), server);
  } finally {
    await server.close();
  }
}

test('positive answers, with TTLs where node reports them', async () => {
  await withPort(async (dns) => {
    assert.deepEqual(await dns.resolveMx('example.test'), { kind: 'mx', records: [{ exchange: 'mx.example.test', priority: 10 }] });
    assert.deepEqual(await dns.resolve4('example.test'), {
      kind: 'addresses',
      addresses: [
        { address: '192.0.2.1', ttl: 30 },
        { address: '192.0.2.2', ttl: 30 },
      ],
    });
    assert.deepEqual(await dns.resolve6('example.test'), { kind: 'addresses', addresses: [{ address: '2001:db8::1', ttl: 90 }] });
    assert.deepEqual(await dns.resolveTxt('example.test'), { kind: 'txt', records: [['v=spf1 ', '-all']] });
    assert.deepEqual(await dns.resolveMx('null.test'), { kind: 'mx', records: [{ exchange: '', priority: 0 }] });
  });
});

test('NXDOMAIN, NODATA and dangling aliases', async () => {
  await withPort(async (dns) => {
    assert.deepEqual(await dns.resolveMx('unknown.test'), { kind: 'nxdomain' });
    assert.deepEqual(await dns.resolve4('nx.test'), { kind: 'nxdomain' });
    assert.deepEqual(await dns.resolve4('null.test'), { kind: 'nodata' });
    assert.deepEqual(await dns.resolve6('null.test'), { kind: 'nodata' });
    assert.deepEqual(await dns.resolveTxt('null.test'), { kind: 'nodata' });
    for (const answer of await Promise.all([dns.resolveMx('alias.test'), dns.resolve4('alias.test'), dns.resolve6('alias.test'), dns.resolveTxt('alias.test')])) {
      assert.deepEqual(answer, { kind: 'nodata' });
    }
  });
});

test('SERVFAIL, REFUSED and timeouts are temporary errors', async () => {
  await withPort(async (dns) => {
    const sf = await dns.resolveMx('sf.test');
    assert.equal(sf.kind === 'error' && sf.code, 'ESERVFAIL');
    const rf = await dns.resolve4('rf.test');
    assert.equal(rf.kind === 'error' && rf.code, 'EREFUSED');
    const to = await dns.resolve6('slow.test');
    assert.equal(to.kind === 'error' && to.code, 'ETIMEOUT');
    assert.match(to.kind === 'error' ? to.message : '', /slow\.test/);
  });
});

test('a name that cannot be sent counts as NXDOMAIN', async () => {
  await withPort(async (dns) => {
    assert.deepEqual(await dns.resolve4('a..test'), { kind: 'nxdomain' });
  });
});

test('server forms from the config schema are accepted', () => {
  for (const servers of [['127.0.0.1'], ['127.0.0.1:5353'], ['::1'], ['[::1]:5353'], []]) {
    assert.doesNotThrow(() => createNodeDnsPort({ servers, timeout_ms: 100, tries: 1 }));
  }
  assert.throws(() => createNodeDnsPort({ servers: ['not-an-ip'], timeout_ms: 100, tries: 1 }));
});

test('toNegativeAnswer on things that are not resolver errors', () => {
  assert.deepEqual(toNegativeAnswer(new Error('boom')), { kind: 'error', code: 'EUNKNOWN', message: 'boom' });
  assert.deepEqual(toNegativeAnswer('weird'), { kind: 'error', code: 'EUNKNOWN', message: 'weird' });
  assert.deepEqual(toNegativeAnswer(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })), { kind: 'error', code: 'ECONNREFUSED', message: 'x' });
});
