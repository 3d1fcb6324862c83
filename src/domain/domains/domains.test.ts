// Key lifecycle, the records a domain needs, and the verdict on every shape DNS can answer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keySwitch, keyState, publishedKeys, selectorFor, signingKeys, type DkimKeyFacts } from './keys.js';
import { expectedRecords, zoneFileLine, type DnsPlan, type ExpectedRecord } from './records.js';
import { addressDomain, coveringDomain } from './sender.js';
import { isVerified, judgeRecord, lookupsFor, type DnsAnswer } from './verify.js';

const T0 = Date.UTC(2024, 0, 15, 10, 0, 0);
const key = (id: string, extra: Partial<DkimKeyFacts> = {}): DkimKeyFacts => ({
  id,
  selector: `sel-${id}`,
  algorithm: 'rsa-sha256',
  publicKey: 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA' + 'x'.repeat(340) + 'IDAQAB',
  createdAt: T0,
  activatedAt: T0,
  deactivatedAt: null,
  retireAt: null,
  ...extra,
});

test('a key is pending, active, retiring, then retired, by its timestamps and the time', () => {
  assert.equal(keyState(key('a', { activatedAt: null }), T0), 'pending');
  assert.equal(keyState(key('a'), T0), 'active');
  const old = key('a', { deactivatedAt: T0 + 10, retireAt: T0 + 100 });
  assert.equal(keyState(old, T0 + 99), 'retiring');
  assert.equal(keyState(old, T0 + 100), 'retired');
});

test('rotation: signing switches only when every pending key was found; the old keys retire after the grace period', () => {
  const keys = [key('old'), key('new-rsa', { activatedAt: null }), key('new-ed', { activatedAt: null, algorithm: 'ed25519-sha256' })];
  assert.equal(keySwitch(keys, new Set(['new-rsa']), T0, 1000), undefined, 'one of two found: no switch');
  assert.deepEqual(keySwitch(keys, new Set(['new-rsa', 'new-ed']), T0, 1000), { activate: ['new-rsa', 'new-ed'], deactivate: ['old'], retireAt: T0 + 1000 });
  assert.equal(keySwitch([key('only')], new Set(['only']), T0, 1000), undefined, 'nothing pending');
  const after = [key('old', { deactivatedAt: T0, retireAt: T0 + 1000 }), key('new', { activatedAt: T0 })];
  assert.deepEqual(signingKeys(after, T0).map((k) => k.id), ['new']);
  assert.deepEqual(publishedKeys(after, T0 + 999).map((k) => k.id), ['old', 'new']);
  assert.deepEqual(publishedKeys(after, T0 + 1000).map((k) => k.id), ['new']);
});

test('selectors carry the date and a random part; Ed25519 ones end in -ed', () => {
  assert.equal(selectorFor('rsa-sha256', T0, 'k3m9'), 'tx20240115-k3m9');
  assert.equal(selectorFor('ed25519-sha256', T0, 'k3m9'), 'tx20240115-k3m9-ed');
});

const PLAN: DnsPlan = {
  domain: 'acme.test',
  bounceLabel: 'bounce',
  mxHost: 'mx.txmail.test',
  spfMechanisms: ['ip4:203.0.113.5', 'a:mail.txmail.test'],
  trackingLabel: 'track',
  trackingTarget: 'links.txmail.test',
};

test('the records to publish: DKIM per published key, return-path MX, SPF on it, DMARC, tracking CNAME', () => {
  const recs = expectedRecords(PLAN, [key('a'), key('b', { activatedAt: null, algorithm: 'ed25519-sha256', publicKey: 'RWQ=' })], T0);
  assert.deepEqual(
    recs.map((r) => [r.purpose, r.type, r.name, r.required]),
    [
      ['dkim', 'TXT', 'sel-a._domainkey.acme.test', true],
      ['dkim', 'TXT', 'sel-b._domainkey.acme.test', true],
      ['return_path', 'MX', 'bounce.acme.test', true],
      ['spf', 'TXT', 'bounce.acme.test', true],
      ['dmarc', 'TXT', '_dmarc.acme.test', true],
      ['tracking', 'CNAME', 'track.acme.test', false],
    ],
  );
  assert.match(recs[0]!.value, /^v=DKIM1; k=rsa; p=MIIB/);
  assert.equal(recs[1]!.value, 'v=DKIM1; k=ed25519; p=RWQ=');
  assert.equal(recs[2]!.value, 'mx.txmail.test');
  assert.equal(recs[3]!.value, 'v=spf1 ip4:203.0.113.5 a:mail.txmail.test -all');
  assert.equal(recs[4]!.value, 'v=DMARC1; p=none; adkim=r; aspf=r');
  assert.equal(lookupsFor(recs).length, 6, 'MX and TXT of bounce.acme.test are two lookups');
  const ip = expectedRecords({ ...PLAN, trackingTarget: '192.0.2.7' }, [], T0).find((r) => r.purpose === 'tracking');
  assert.deepEqual([ip?.type, ip?.value], ['A', '192.0.2.7']);
});

const recs = expectedRecords(PLAN, [key('a')], T0);
const rec = (purpose: string): ExpectedRecord => recs.find((r) => r.purpose === purpose)!;
const txt = (...records: string[][]): DnsAnswer => ({ kind: 'txt', records });
const dkimValue = rec('dkim').value;
const p = dkimValue.slice(dkimValue.indexOf('p=') + 2);

type Case = readonly [purpose: string, answer: DnsAnswer, status: string, problem?: RegExp];
const CASES: readonly Case[] = [
  ['dkim', txt([dkimValue]), 'ok'],
  ['dkim', txt([dkimValue.slice(0, 255), dkimValue.slice(255)]), 'ok'],
  ['dkim', txt([`v=DKIM1;   k=rsa;\tp=${p.slice(0, 100)} ${p.slice(100)}`]), 'ok'],
  ['dkim', { kind: 'nxdomain' }, 'missing'],
  ['dkim', { kind: 'nodata' }, 'missing'],
  ['dkim', txt([dkimValue.slice(0, 255)]), 'wrong', /truncated/],
  ['dkim', txt([`v=DKIM1; k=rsa; p=${'Q'.repeat(392)}`]), 'wrong', /another key/],
  ['dkim', txt(['v=DKIM1; k=rsa; p=']), 'wrong', /revoked/],
  ['dkim', txt([`v=DKIM1; k=ed25519; p=${p}`]), 'wrong', /k=ed25519/],
  ['dkim', txt([`p=${p}; v=DKIM1`]), 'wrong', /not a DKIM key record/],
  ['dkim', txt([dkimValue], ['v=DKIM1; k=rsa; p=old']), 'wrong', /2 TXT records/],
  ['dkim', txt(['v=DKIM1; k=rsa']), 'wrong', /no p= tag/],
  ['dkim', { kind: 'error', message: 'queryTxt ESERVFAIL' }, 'error', /ESERVFAIL/],
  ['spf', txt(['v=spf1 ip4:203.0.113.5 a:mail.txmail.test -all']), 'ok'],
  ['spf', txt(['google-site-verification=abc'], ['v=spf1 include:_spf.other.test ip4:203.0.113.5 +a:mail.txmail.test ~all']), 'ok'],
  ['spf', txt(['google-site-verification=abc']), 'missing'],
  ['spf', { kind: 'nxdomain' }, 'missing'],
  ['spf', txt(['v=spf1 include:_spf.other.test -all']), 'wrong', /add ip4:203.0.113.5 a:mail.txmail.test/],
  ['spf', txt(['v=spf1 ip4:203.0.113.5 -all'], ['v=spf1 a:mail.txmail.test -all']), 'wrong', /more than one SPF record/],
  ['spf', txt(['v=spf1 ip4:203.0.113.5 a:mail.txmail.test +all']), 'wrong', /\+all/],
  ['dmarc', txt(['v=DMARC1; p=reject; rua=mailto:d@acme.test']), 'ok'],
  ['dmarc', { kind: 'nxdomain' }, 'missing'],
  ['dmarc', txt(['some other text']), 'missing'],
  ['dmarc', txt(['v=DMARC1; p=none'], ['v=DMARC1; p=reject']), 'wrong', /more than one DMARC/],
  ['dmarc', txt(['v=DMARC1; rua=mailto:d@acme.test']), 'wrong', /p= tag/],
  ['dmarc', txt(['v=DMARC1; p=monitor']), 'wrong', /p= tag/],
  ['return_path', { kind: 'mx', records: [{ exchange: 'MX.txmail.test.', priority: 10 }] }, 'ok'],
  ['return_path', { kind: 'nodata' }, 'missing'],
  ['return_path', { kind: 'mx', records: [{ exchange: 'mx.elsewhere.test', priority: 10 }] }, 'wrong', /no MX points at mx.txmail.test/],
  ['return_path', { kind: 'mx', records: [{ exchange: 'mx.txmail.test', priority: 10 }, { exchange: 'backup.test', priority: 20 }] }, 'wrong', /other MX hosts/],
  ['tracking', { kind: 'cname', target: 'links.txmail.test.' }, 'ok'],
  ['tracking', { kind: 'cname', target: 'other.test' }, 'wrong', /points at other.test/],
  ['tracking', { kind: 'nxdomain' }, 'missing'],
];

for (const [purpose, answer, status, problem] of CASES) {
  test(`judge ${purpose}: ${JSON.stringify(answer).slice(0, 90)} → ${status}`, () => {
    const c = judgeRecord(rec(purpose), answer);
    assert.equal(c.status, status, c.problem);
    if (problem) assert.match(c.problem ?? '', problem);
    if (answer.kind === 'txt' && status !== 'missing') assert.ok(c.found.length > 0, 'found says what is there');
  });
}

test('verified means every required record is ok; the optional tracking host does not count', () => {
  const ok = recs.map((r) => ({ ...r, status: 'ok' as const, found: [] }));
  assert.equal(isVerified(ok), true);
  assert.equal(isVerified(ok.map((c) => (c.purpose === 'tracking' ? { ...c, status: 'missing' as const } : c))), true);
  assert.equal(isVerified(ok.map((c) => (c.purpose === 'dmarc' ? { ...c, status: 'wrong' as const } : c))), false);
});

test('a tenant domain covers itself and its subdomains, not its parents or lookalikes', () => {
  assert.equal(coveringDomain('acme.test', ['acme.test']), 'acme.test');
  assert.equal(coveringDomain('news.mail.acme.test', ['acme.test', 'mail.acme.test']), 'mail.acme.test');
  assert.equal(coveringDomain('acme.test', ['news.acme.test']), undefined);
  assert.equal(coveringDomain('notacme.test', ['acme.test']), undefined);
  assert.equal(coveringDomain('test', ['test']), undefined);
});

test('the domain of a From header value as written', () => {
  assert.equal(addressDomain('"Shop" <shop@Acme.Test>'), 'acme.test');
  assert.equal(addressDomain('shop@acme.test'), 'acme.test');
  assert.equal(addressDomain('"evil@x.test" <shop@acme.test>'), 'acme.test');
  assert.equal(addressDomain('=?utf-8?q?Sh=40op?= <shop@acme.test>'), 'acme.test');
  assert.equal(addressDomain('no address'), undefined);
});

test('zone-file lines: long TXT values split into 255-octet strings, names fully qualified', () => {
  const all = expectedRecords(PLAN, [key('a')], T0);
  const dkim = zoneFileLine(all[0]!);
  assert.match(dkim, /^sel-a\._domainkey\.acme\.test\. 3600 IN TXT \( "v=DKIM1; k=rsa; p=[^"]{237}" "[^"]+" \)$/);
  assert.equal(zoneFileLine(all[1]!), 'bounce.acme.test. 3600 IN MX 10 mx.txmail.test.');
  assert.equal(zoneFileLine(all[2]!), 'bounce.acme.test. 3600 IN TXT "v=spf1 ip4:203.0.113.5 a:mail.txmail.test -all"');
  assert.equal(zoneFileLine(all[4]!), 'track.acme.test. 3600 IN CNAME links.txmail.test.');
});
