import { test } from 'node:test';
import assert from 'node:assert/strict';
import { orderByPreference, planFromMx, seededRandom, type DeliveryPlan, type MxAnswer } from './plan.js';

const rnd = (): (() => number) => seededRandom(42);
const mx = (...records: [string, number][]): MxAnswer => ({ kind: 'mx', records: records.map(([exchange, priority]) => ({ exchange, priority })) });
const names = (p: DeliveryPlan): string[] => (p.kind === 'hosts' ? p.hosts.map((h) => `${h.name}/${h.preference}`) : [`fail:${p.reason}`]);

const table: { name: string; answer: MxAnswer; want: DeliveryPlan }[] = [
  {
    name: 'sorted by preference, names normalised',
    answer: mx(['MX2.Example.com.', 20], ['mx1.example.com', 10], ['mx3.example.com', 30]),
    want: {
      kind: 'hosts',
      implicit: false,
      hosts: [
        { name: 'mx1.example.com', preference: 10 },
        { name: 'mx2.example.com', preference: 20 },
        { name: 'mx3.example.com', preference: 30 },
      ],
    },
  },
  {
    name: 'duplicates keep the lowest preference',
    answer: mx(['mx.example.com', 20], ['MX.example.com.', 5], ['b.example.com', 10]),
    want: {
      kind: 'hosts',
      implicit: false,
      hosts: [
        { name: 'mx.example.com', preference: 5 },
        { name: 'b.example.com', preference: 10 },
      ],
    },
  },
  { name: 'NODATA: implicit MX', answer: { kind: 'nodata' }, want: { kind: 'hosts', implicit: true, hosts: [{ name: 'example.com', preference: 0 }] } },
  { name: 'empty MX set: implicit MX', answer: mx(), want: { kind: 'hosts', implicit: true, hosts: [{ name: 'example.com', preference: 0 }] } },
  {
    name: 'null MX "." (RFC 7505)',
    answer: mx(['.', 0]),
    want: { kind: 'fail', permanent: true, reason: 'host_unknown', text: 'example.com does not accept mail: null MX (RFC 7505)' },
  },
  {
    name: 'null MX as node reports it ("")',
    answer: mx(['', 0]),
    want: { kind: 'fail', permanent: true, reason: 'host_unknown', text: 'example.com does not accept mail: null MX (RFC 7505)' },
  },
  {
    name: 'null MX with a non-zero preference is still null MX',
    answer: mx(['.', 10]),
    want: { kind: 'fail', permanent: true, reason: 'host_unknown', text: 'example.com does not accept mail: null MX (RFC 7505)' },
  },
  {
    name: 'root record beside real hosts is skipped',
    answer: mx(['.', 0], ['mx.example.com', 10]),
    want: { kind: 'hosts', implicit: false, hosts: [{ name: 'mx.example.com', preference: 10 }] },
  },
  {
    name: 'NXDOMAIN: permanent host_unknown',
    answer: { kind: 'nxdomain' },
    want: { kind: 'fail', permanent: true, reason: 'host_unknown', text: 'example.com: domain does not exist (NXDOMAIN)' },
  },
  {
    name: 'SERVFAIL: temporary dns_failure',
    answer: { kind: 'error', code: 'ESERVFAIL', message: 'queryMx ESERVFAIL example.com' },
    want: { kind: 'fail', permanent: false, reason: 'dns_failure', text: 'example.com: MX lookup failed (ESERVFAIL): queryMx ESERVFAIL example.com' },
  },
  {
    name: 'timeout: temporary dns_failure',
    answer: { kind: 'error', code: 'ETIMEOUT', message: 'queryMx ETIMEOUT example.com' },
    want: { kind: 'fail', permanent: false, reason: 'dns_failure', text: 'example.com: MX lookup failed (ETIMEOUT): queryMx ETIMEOUT example.com' },
  },
];

for (const c of table) {
  test(`planFromMx: ${c.name}`, () => {
    assert.deepEqual(planFromMx('Example.COM.', c.answer, rnd()), c.want);
  });
}

test('equal preferences: order comes from random, preference groups stay sorted', () => {
  const answer = mx(['c', 10], ['a', 10], ['b', 10], ['z', 5], ['y', 20], ['x', 20]);
  const seen = new Set<string>();
  for (let seed = 0; seed < 50; seed++) {
    const got = names(planFromMx('d.test', answer, seededRandom(seed)));
    assert.equal(got[0], 'z/5');
    assert.deepEqual(got.slice(1, 4).sort(), ['a/10', 'b/10', 'c/10']);
    assert.deepEqual(got.slice(4).sort(), ['x/20', 'y/20']);
    seen.add(got.slice(1, 4).join(','));
  }
  // All 6 permutations of the three equal hosts turn up over 50 seeds.
  assert.equal(seen.size, 6);
});

test('same seed, same order', () => {
  const answer = mx(['a', 1], ['b', 1], ['c', 1], ['d', 1]);
  assert.deepEqual(names(planFromMx('d.test', answer, seededRandom(7))), names(planFromMx('d.test', answer, seededRandom(7))));
});

test('orderByPreference survives a random() that returns 1 or more', () => {
  const hosts = [
    { name: 'b', preference: 2 },
    { name: 'a', preference: 1 },
  ];
  assert.deepEqual(
    orderByPreference(hosts, () => 1).map((h) => h.name),
    ['a', 'b'],
  );
});

test('seededRandom stays in [0, 1)', () => {
  const r = seededRandom(1);
  for (let i = 0; i < 1000; i++) {
    const v = r();
    assert.ok(v >= 0 && v < 1);
  }
});
