import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchDomain, matchOverride, matchRoute, normaliseDomain } from './match.js';

const routes = [
  { match: '*', host: 'smarthost' },
  { match: '*.example.com', host: 'wild-example' },
  { match: '*.eu.example.com', host: 'wild-eu' },
  { match: 'example.com', host: 'apex' },
  { match: 'special.eu.example.com', host: 'exact-deep' },
  { match: '*.example.com', host: 'wild-example-second' },
];

const table: [string, string | undefined][] = [
  ['example.com', 'apex'],
  ['EXAMPLE.COM.', 'apex'],
  ['a.example.com', 'wild-example'], // tie between the two *.example.com: first listed wins
  ['a.b.example.com', 'wild-example'],
  ['x.eu.example.com', 'wild-eu'], // longest suffix beats shorter one, listed earlier
  ['special.eu.example.com', 'exact-deep'], // exact beats every wildcard
  ['eu.example.com', 'wild-example'], // *.eu.example.com does not cover its apex
  ['badexample.com', 'smarthost'], // suffix must start at a label boundary
  ['other.org', 'smarthost'],
];

for (const [domain, host] of table) {
  test(`matchRoute: ${domain} → ${host ?? 'none'}`, () => {
    assert.equal(matchRoute(routes, domain)?.host, host);
  });
}

test('no catch-all: unmatched domains get undefined', () => {
  const r = routes.filter((x) => x.match !== '*');
  assert.equal(matchRoute(r, 'other.org'), undefined);
  assert.equal(matchRoute(r, 'example.org'), undefined);
  assert.equal(matchRoute([], 'example.com'), undefined);
});

test('* alone matches everything, ties by order', () => {
  assert.equal(matchDomain([{ match: '*', n: 1 }, { match: '*', n: 2 }], 'a.b')?.n, 1);
});

test('patterns are compared case-insensitively', () => {
  assert.equal(matchRoute([{ match: '*.Example.COM' }], 'mx.example.com')?.match, '*.Example.COM');
});

test('matchOverride is the same matcher over destination overrides', () => {
  const overrides = [
    { match: '*', maxConnections: 10 },
    { match: 'gmail.com', maxConnections: 50 },
    { match: '*.outlook.com', maxConnections: 20 },
  ];
  assert.equal(matchOverride(overrides, 'gmail.com')?.maxConnections, 50);
  assert.equal(matchOverride(overrides, 'eur.outlook.com')?.maxConnections, 20);
  assert.equal(matchOverride(overrides, 'outlook.com')?.maxConnections, 10);
  assert.equal(matchOverride, matchRoute);
});

test('normaliseDomain lower-cases and strips the root dot', () => {
  assert.equal(normaliseDomain(' Mail.Example.COM. '), 'mail.example.com');
  assert.equal(normaliseDomain('.'), '');
});
