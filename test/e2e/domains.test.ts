// Sending domains end to end: the records /v1/domains asks for, verification through a real DNS
// server answering every wrong shape, the sender-domain check, DKIM signatures checked by
// mailauth against the published keys, key rotation, and no private key in any answer or log.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createLogger } from '../../src/lib/logger.js';
import { sealKeyFrom, unseal } from '../../src/lib/seal.js';
import { startDnsServer, type DnsServer, type Zone } from '../support/dns-server.js';
import { dkimVerdicts, zoneFor, type ApiRecord } from '../support/domains.js';
import { sinkRoute, startTxmail, type Harness } from '../support/harness.js';
import { startSink, type Sink } from '../support/sink.js';

let sink: Sink;
let dns: DnsServer;
let tx: Harness;
const logLines: string[] = [];
const bodies: string[] = [];

before(async () => {
  sink = await startSink({ tls: 'none' });
  dns = await startDnsServer({});
  const log = createLogger('debug', { write: (line: string) => void logLines.push(line) });
  tx = await startTxmail(
    {
      hostname: 'mx.txmail.test',
      public_url: 'https://links.txmail.test',
      'delivery.routes': [sinkRoute(sink.port, '*', 'none')],
      'dns.servers': [dns.address],
      'dns.timeout_ms': 500,
      'dns.tries': 1,
      'domains.allow_unverified_senders': false,
      'domains.cache_s': 0,
      'domains.rotation_grace_s': 2,
      'domains.spf': 'ip4:192.0.2.10',
    },
    { log },
  );
});
after(async () => {
  await tx.close();
  await sink.close();
  await dns.close();
});

async function call(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(tx.url + path, {
    method,
    headers: { authorization: `Bearer ${tx.key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  bodies.push(text);
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

const records = (b: Record<string, unknown>): ApiRecord[] => b.records as ApiRecord[];
const byPurpose = (b: Record<string, unknown>, purpose: string): ApiRecord[] => records(b).filter((r) => r.purpose === purpose);

async function sendFrom(from: string, to: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return call('POST', '/v1/messages', { from, to, subject: 'Receipt', text: 'Thanks for your order.\n', html: '<p>Thanks</p>' });
}

async function deliveredRaw(to: string): Promise<{ raw: Buffer; from: string }> {
  const res = await sendFrom('Acme Shop <shop@acme.test>', to);
  assert.equal(res.status, 202, JSON.stringify(res.body));
  await tx.waitForStates(res.body.id as string, ['delivered']);
  const m = sink.messages.find((x) => x.to.includes(to));
  assert.ok(m, `the sink got ${to}`);
  return { raw: m.raw, from: m.from };
}

let added: Record<string, unknown>;

test('adding a domain answers the exact DNS records to publish', async () => {
  const res = await call('POST', '/v1/domains', { name: 'Acme.TEST', dkim_algorithm: 'ed25519' });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  added = res.body;
  assert.equal(added.name, 'acme.test');
  assert.equal(added.verified, false);
  assert.equal(added.owned, false);
  assert.ok(typeof added.claim_expires_at === 'string', 'a pending claim lapses unless verified');
  const dkim = byPurpose(added, 'dkim');
  assert.equal(dkim.length, 2, 'RSA and Ed25519: two signatures');
  assert.match(dkim[0]!.name, /^tx\d{8}-[a-z0-9]{4}\._domainkey\.acme\.test$/);
  assert.match(dkim[0]!.value, /^v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA[A-Za-z0-9+/]+=*$/, 'an RSA-2048 SPKI key');
  assert.match(dkim[1]!.value, /^v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}=$/, 'a raw 32-byte Ed25519 key (RFC 8463)');
  assert.deepEqual(
    records(added)
      .filter((r) => r.purpose !== 'dkim')
      .map((r) => [r.purpose, r.type, r.name, r.value, r.priority ?? null]),
    [
      ['return_path', 'MX', 'bounce.acme.test', 'mx.txmail.test', 10],
      ['spf', 'TXT', 'bounce.acme.test', 'v=spf1 ip4:192.0.2.10 -all', null],
      ['dmarc', 'TXT', '_dmarc.acme.test', 'v=DMARC1; p=none; adkim=r; aspf=r', null],
      ['tracking', 'CNAME', 'track.acme.test', 'links.txmail.test', null],
    ],
  );
  assert.deepEqual((await call('GET', '/v1/domains/acme.test')).body.records, records(added));
  assert.deepEqual(((await call('GET', '/v1/domains')).body.domains as Array<{ name: string }>).map((d) => d.name), ['acme.test']);
});

test('bad or repeated domains are refused with the reason', async () => {
  const again = await call('POST', '/v1/domains', { name: 'acme.test' });
  assert.deepEqual([again.status, (again.body.error as { code: string }).code], [409, 'TX_ERR_CONFLICT']);
  const bad = await call('POST', '/v1/domains', { name: 'not a domain', dkim_algorithm: 'dsa' });
  assert.equal(bad.status, 422);
  assert.deepEqual(((bad.body.error as { fields: Array<{ path: string }> }).fields).map((f) => f.path), ['name', 'dkim_algorithm']);
  // A pending claim blocks nobody: another tenant may claim the same name until one proves ownership.
  await tx.app.store.createTenant({ id: 'ten_other', name: 'other', createdAt: Date.now() });
  assert.equal((await tx.app.domains.add('ten_other', 'acme.test', 'rsa')).ownedAt, null);
  assert.equal((await call('GET', '/v1/domains/nope.test')).status, 404);
});

function statuses(b: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(records(b).map((r) => [`${r.purpose}:${r.type}:${r.name.split('.')[0]}`, `${r.status}`]));
}

test('verify: nothing published → every record missing', async () => {
  dns.setZone({});
  const v = await call('POST', '/v1/domains/acme.test/verify');
  assert.equal(v.status, 200, JSON.stringify(v.body));
  assert.equal(v.body.verified, false);
  assert.ok(records(v.body).every((r) => r.status === 'missing'), JSON.stringify(statuses(v.body)));
});

test('verify: each wrong record shape is reported wrong, with what was found and why', async () => {
  const good = zoneFor(records(added));
  const [rsa, ed] = byPurpose(added, 'dkim') as [ApiRecord, ApiRecord];
  const wrong: Zone = {
    ...good,
    // Cut at 255 characters, the classic copy-paste accident with long TXT values.
    [rsa.name]: { TXT: [[rsa.value.slice(0, 255)]] },
    // Two records at one selector.
    [ed.name]: { TXT: [[ed.value], ['v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=']] },
    // Two SPF records, a permanent error; and a DMARC record without a policy.
    'bounce.acme.test': { MX: [{ exchange: 'mx.elsewhere.test', priority: 10 }], TXT: [['v=spf1 ip4:192.0.2.10 -all'], ['v=spf1 a -all']] },
    '_dmarc.acme.test': { TXT: [['v=DMARC1; rua=mailto:d@acme.test']] },
    'track.acme.test': { CNAME: 'elsewhere.test' },
    'elsewhere.test': { A: ['192.0.2.99'] },
  };
  dns.setZone(wrong);
  const v = await call('POST', '/v1/domains/acme.test/verify');
  assert.equal(v.body.verified, false);
  const got = Object.fromEntries(records(v.body).map((r) => [r.purpose + (r.purpose === 'dkim' ? `:${r.value.includes('k=rsa') ? 'rsa' : 'ed'}` : ''), r]));
  const expect: Record<string, RegExp> = {
    'dkim:rsa': /truncated/,
    'dkim:ed': /2 TXT records/,
    return_path: /no MX points at mx\.txmail\.test/,
    spf: /more than one SPF record/,
    dmarc: /no valid p= tag/,
    tracking: /points at elsewhere\.test/,
  };
  for (const [k, problem] of Object.entries(expect)) {
    assert.equal(got[k]?.status, 'wrong', `${k}: ${JSON.stringify(got[k])}`);
    assert.match(got[k]?.problem ?? '', problem, k);
    assert.ok((got[k]?.found ?? []).length > 0, `${k} says what was found`);
  }
  assert.deepEqual(got['spf']?.found, ['v=spf1 ip4:192.0.2.10 -all', 'v=spf1 a -all']);
  assert.deepEqual(got['return_path']?.found, ['10 mx.elsewhere.test']);

  // A name that exists without the record type (NODATA), and a failing server (SERVFAIL).
  dns.setZone({ ...good, '_dmarc.acme.test': { A: ['192.0.2.1'] }, 'track.acme.test': { servfail: true } });
  const v2 = await call('POST', '/v1/domains/acme.test/verify');
  const dmarc = records(v2.body).find((r) => r.purpose === 'dmarc')!;
  const track = records(v2.body).find((r) => r.purpose === 'tracking')!;
  assert.deepEqual([dmarc.status, track.status], ['missing', 'error']);
  assert.match(track.problem ?? '', /SERVFAIL/i);
  assert.equal(v2.body.verified, false, 'DMARC is required');
});

test('verify: everything published → ok (long DKIM keys arrive split, over TCP) and verified', async () => {
  dns.setZone(zoneFor(records(added)));
  const v = await call('POST', '/v1/domains/acme.test/verify');
  assert.ok(records(v.body).every((r) => r.status === 'ok'), JSON.stringify(statuses(v.body)));
  assert.equal(v.body.verified, true);
  assert.equal(v.body.owned, true);
  assert.equal(v.body.claim_expires_at, null);
  assert.ok(dns.queries.some((q) => q.type === 'TXT' && q.transport === 'tcp'), 'the 2048-bit key record came over TCP');
  // The first proof wins: the other tenant's pending claim yielded, and the name is taken now.
  assert.equal(await tx.app.store.getDomain('ten_other', 'acme.test'), undefined);
  assert.equal(await tx.app.domains.add('ten_other', 'acme.test', 'rsa').catch((e: { code: string }) => e.code), 'TX_ERR_DOMAIN_TAKEN');
  const d = await call('GET', '/v1/domains/acme.test');
  assert.equal(d.body.verified, true);
  assert.ok(records(d.body).every((r) => r.status === 'ok'), 'GET shows the last verification');
});

test('sending from a domain the tenant has not added is refused with 403 and a clear message', async () => {
  const res = await sendFrom('shop@other.test', 'a@dest.test');
  assert.equal(res.status, 403, JSON.stringify(res.body));
  const err = res.body.error as { code: string; message: string; fields: Array<{ path: string }> };
  assert.equal(err.code, 'TX_ERR_SENDER_NOT_ALLOWED');
  assert.match(err.message, /other\.test is not one of this account's sending domains.*POST \/v1\/domains/);
  assert.deepEqual(err.fields.map((f) => f.path), ['from']);
  assert.equal((await sendFrom('news@mail.acme.test', 'b@dest.test')).status, 202, 'a subdomain of an added domain');
  // The development switch, per tenant.
  await tx.app.store.updateTenantSettings(tx.tenantId, { allowUnverifiedSenders: true });
  assert.equal((await sendFrom('shop@other.test', 'c@dest.test')).status, 202);
  await tx.app.store.updateTenantSettings(tx.tenantId, { allowUnverifiedSenders: false });
  assert.equal((await sendFrom('shop@other.test', 'd@dest.test')).status, 403);
});

test('every message is DKIM-signed with both keys and verifies with mailauth; a tampered body fails', async () => {
  const { raw, from } = await deliveredRaw('jane@dest.test');
  assert.match(from, /^b\+[a-z0-9-]+\.[a-z2-7]{16}@bounce\.acme\.test$/, 'VERP return path on the bounce subdomain');
  const [rsa, ed] = byPurpose(added, 'dkim').map((r) => r.name.split('.')[0]);
  assert.deepEqual(await dkimVerdicts(raw, dns.address), [`${rsa}:pass`, `${ed}:pass`]);
  const text = raw.toString('latin1');
  assert.match(text, /^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=acme\.test;/);
  assert.match(text.replace(/\r\n\t/g, ''), /h=from:from:/, 'From is oversigned');
  const tampered = Buffer.from(text.replace('Thanks for your order.', 'Thanks for your 0rder.'), 'latin1');
  assert.deepEqual(await dkimVerdicts(tampered, dns.address), [`${rsa}:neutral`, `${ed}:neutral`], 'body hash mismatch');
  const forged = Buffer.from(text.replace('Subject: Receipt', 'Subject: Invoice'), 'latin1');
  assert.deepEqual(await dkimVerdicts(forged, dns.address), [`${rsa}:fail`, `${ed}:fail`]);
});

test('rotation: new selectors are published beside the old, signing switches once they are found, the old retire after the grace period', async () => {
  const oldSelectors = byPurpose(added, 'dkim').map((r) => r.selector);
  const rot = await call('POST', '/v1/domains/acme.test/rotate');
  assert.equal(rot.status, 200, JSON.stringify(rot.body));
  const dkim = byPurpose(rot.body, 'dkim');
  assert.equal(dkim.length, 4, 'old and new, both published');
  const newRecords = dkim.filter((r) => !oldSelectors.includes(r.selector));
  assert.equal(newRecords.length, 2);
  const twice = await call('POST', '/v1/domains/acme.test/rotate');
  assert.deepEqual([twice.status, (twice.body.error as { code: string }).code], [409, 'TX_ERR_ROTATION_PENDING'], 'one rotation at a time');

  // Not yet published: the old keys keep signing.
  const before1 = await deliveredRaw('before@dest.test');
  assert.deepEqual(await dkimVerdicts(before1.raw, dns.address), oldSelectors.map((s) => `${s}:pass`));
  const notYet = await call('POST', '/v1/domains/acme.test/verify');
  assert.equal(notYet.body.dkim_switched, false);

  // Published: verify switches signing; the old keys stay published while they retire.
  dns.setZone(zoneFor(records(rot.body)));
  const v = await call('POST', '/v1/domains/acme.test/verify');
  assert.equal(v.body.dkim_switched, true, JSON.stringify(statuses(v.body)));
  const keys = (v.body.dkim as { keys: Array<{ selector: string; state: string; retire_at: string | null }> }).keys;
  assert.deepEqual(keys.map((k) => k.state), ['retiring', 'retiring', 'active', 'active']);
  assert.ok(keys[0]!.retire_at !== null);
  const after1 = await deliveredRaw('after@dest.test');
  assert.deepEqual(await dkimVerdicts(after1.raw, dns.address), newRecords.map((r) => `${r.selector}:pass`));
  assert.deepEqual(await dkimVerdicts(before1.raw, dns.address), oldSelectors.map((s) => `${s}:pass`), 'mail signed before the switch still verifies');

  // After the grace period the old selectors are no longer asked for.
  await new Promise((r) => setTimeout(r, 2100));
  const later = await call('GET', '/v1/domains/acme.test');
  assert.deepEqual(byPurpose(later.body, 'dkim').map((r) => r.selector), newRecords.map((r) => r.selector));
  assert.deepEqual((later.body.dkim as { keys: Array<{ state: string }> }).keys.map((k) => k.state), ['retired', 'retired', 'active', 'active']);
});

test('no DKIM private key appears in any API answer or log line', async () => {
  const seal = await sealKeyFrom(tx.app.store);
  const d = await tx.app.store.getDomain(tx.tenantId, 'acme.test');
  assert.ok(d && d.keys.length === 4);
  const everything = [...bodies, ...logLines].join('\n');
  assert.ok(logLines.some((l) => l.includes('sending domain added')), 'the log was captured');
  for (const k of d.keys) {
    const pem = unseal(seal, k.privateKeySealed, k.id);
    const material = pem.split('\n').filter((l) => l.length > 0 && !l.startsWith('-----')).join('');
    assert.ok(material.length >= 64);
    for (let i = 0; i + 32 <= material.length; i += 32) assert.ok(!everything.includes(material.slice(i, i + 32)), `${k.selector}: key material leaked`);
    assert.ok(!everything.includes(k.privateKeySealed.split(':')[3]!.slice(0, 32)), 'not even sealed');
  }
});

test('a removed domain can no longer send', async () => {
  assert.equal((await call('DELETE', '/v1/domains/acme.test')).status, 204);
  assert.equal((await sendFrom('shop@acme.test', 'z@dest.test')).status, 403);
  assert.equal((await call('DELETE', '/v1/domains/acme.test')).status, 404);
});
