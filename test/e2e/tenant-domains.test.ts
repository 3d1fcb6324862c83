// Issue 15 items 3 and 4: one tenant can neither take over nor squat another's sending domain,
// and a domain sends only once its ownership is proven through DNS. Two tenants, A (the
// default tenant) and B, a real DNS server answering what each publishes, and a clock the test
// moves forward to let a pending claim lapse.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import nodemailer from 'nodemailer';
import { selfSignedPath } from '../../src/ingress/smtp/tls.js';
import { startDnsServer, type DnsServer, type Zone } from '../support/dns-server.js';
import { dkimVerdicts, zoneFor, type ApiRecord } from '../support/domains.js';
import { sinkRoute, startTxmail, type Harness } from '../support/harness.js';
import { startSink, type Sink } from '../support/sink.js';
import { addTenant, defaultTenant, type TestTenant } from '../support/tenants.js';

let sink: Sink;
let dns: DnsServer;
let tx: Harness;
let a: TestTenant;
let b: TestTenant;
let offset = 0;
let zone: Zone = {};

before(async () => {
  sink = await startSink({ tls: 'none' });
  dns = await startDnsServer({});
  tx = await startTxmail(
    {
      hostname: 'mx.txmail.test',
      'delivery.routes': [sinkRoute(sink.port, '*', 'none')],
      'dns.servers': [dns.address],
      'dns.timeout_ms': 500,
      'dns.tries': 1,
      'domains.allow_unverified_senders': false,
      'domains.cache_s': 0,
      'domains.spf': 'ip4:192.0.2.10',
    },
    { clock: { now: () => Date.now() + offset } },
  );
  a = defaultTenant(tx);
  b = await addTenant(tx, 'ten_b');
});
after(async () => {
  await tx.close();
  await sink.close();
  await dns.close();
});

type Answer = { status: number; body: Record<string, unknown> };
const code = (r: Answer): string | undefined => (r.body.error as { code?: string } | undefined)?.code;
const records = (r: Answer): ApiRecord[] => r.body.records as ApiRecord[];

async function add(t: TestTenant, name: string): Promise<Answer> {
  return t.call('POST', '/v1/domains', { name });
}

/** Publishes the records of a tenant's claim in the test DNS server (beside what is there). */
function publish(r: Answer): void {
  zone = zoneFor(records(r), zone);
  dns.setZone(zone);
}

async function addAndProve(t: TestTenant, name: string): Promise<void> {
  const r = await add(t, name);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  publish(r);
  const v = await t.call('POST', `/v1/domains/${name}/verify`);
  assert.deepEqual([v.status, v.body.verified, v.body.owned], [200, true, true], JSON.stringify(v.body));
}

const sendAs = (t: TestTenant, from: string, to = 'x@dest.test'): Promise<Answer> => t.call('POST', '/v1/messages', { from, to, subject: 'Hello', text: 'Hello\n' });

test('takeover: another tenant cannot add a subdomain or a parent of an owned domain, nor a public suffix', async () => {
  await addAndProve(a, 'hostile-a.test');
  await addAndProve(a, 'news.shared-parent.test');
  for (const name of ['hostile-a.test', 'mail.hostile-a.test', 'deep.mail.hostile-a.test', 'shared-parent.test']) {
    const r = await add(b, name);
    assert.deepEqual([r.status, code(r)], [409, 'TX_ERR_DOMAIN_TAKEN'], `${name}: ${JSON.stringify(r.body)}`);
    assert.doesNotMatch(JSON.stringify(r.body), /ten_|default/, 'the answer does not say who owns it');
  }
  for (const name of ['co.uk', 'github.io', 'pvt.k12.ma.us']) {
    const r = await add(b, name);
    assert.equal(r.status, 422, name);
    const f = (r.body.error as { fields: Array<{ path: string; message: string }> }).fields;
    assert.deepEqual(f.map((x) => x.path), ['name']);
    assert.match(f[0]!.message, /public suffix/);
  }
  assert.deepEqual((await b.call('GET', '/v1/domains')).body.domains, [], 'B holds nothing');
  // B can send as none of them.
  for (const from of ['shop@hostile-a.test', 'news@news.shared-parent.test', 'x@shared-parent.test', 'security@bank.co.uk']) {
    assert.equal((await sendAs(b, from)).status, 403, from);
  }
  // The owner may add its own subdomains, and unrelated names stay free for B.
  assert.equal((await add(a, 'mail.hostile-a.test')).status, 201);
  assert.equal((await add(b, 'hostile-b.test')).status, 201);
});

test('no sending before proof: an added domain is refused with TX_ERR_SENDER_NOT_VERIFIED over HTTP and 550 over SMTP', async () => {
  const r = await add(a, 'fresh.test');
  assert.equal(r.status, 201);
  assert.deepEqual([r.body.verified, r.body.owned], [false, false]);
  const http = await sendAs(a, 'shop@fresh.test');
  assert.deepEqual([http.status, code(http)], [403, 'TX_ERR_SENDER_NOT_VERIFIED'], JSON.stringify(http.body));
  assert.match((http.body.error as { message: string }).message, /fresh\.test is not verified yet/);
  const t = nodemailer.createTransport({
    host: '127.0.0.1',
    port: tx.app.submissionAddress().port,
    secure: false,
    requireTLS: true,
    auth: { user: 'apikey', pass: a.key },
    tls: { ca: readFileSync(selfSignedPath(tx.app.config.data_dir), 'utf8') },
  });
  try {
    await assert.rejects(t.sendMail({ from: 'shop@fresh.test', to: 'y@dest.test', subject: 's', text: 't' }), (e: { responseCode?: number; response?: string }) => {
      assert.equal(e.responseCode, 550);
      assert.match(e.response ?? '', /^550 5\.7\.1 .*fresh\.test is not verified/);
      return true;
    });
  } finally {
    t.close();
  }
});

test('no squatting: both tenants may claim a name; B cannot verify with A’s records; the first to prove it keeps it', async () => {
  const squat = await add(b, 'squat.test');
  assert.equal(squat.status, 201, 'B claims the name first');
  const mine = await add(a, 'squat.test');
  assert.equal(mine.status, 201, `the real owner is not locked out: ${JSON.stringify(mine.body)}`);
  assert.equal((await sendAs(b, 'ceo@squat.test')).status, 403, 'a pending claim cannot send');

  // Only A's records are published (A controls the zone): B's verification does not pass.
  publish(mine);
  const bv = await b.call('POST', '/v1/domains/squat.test/verify');
  assert.deepEqual([bv.status, bv.body.verified, bv.body.owned], [200, false, false]);
  const bDkim = records(bv).filter((x) => x.purpose === 'dkim');
  assert.ok(bDkim.every((x) => x.status === 'missing' || x.status === 'wrong'), JSON.stringify(bDkim));
  assert.equal((await sendAs(b, 'ceo@squat.test')).status, 403);

  const av = await a.call('POST', '/v1/domains/squat.test/verify');
  assert.deepEqual([av.body.verified, av.body.owned], [true, true], JSON.stringify(av.body));
  assert.equal((await b.call('GET', '/v1/domains/squat.test')).status, 404, 'B’s pending claim yielded');
  assert.equal(code(await add(b, 'squat.test')), 'TX_ERR_DOMAIN_TAKEN');

  const sent = await sendAs(a, 'Shop <shop@squat.test>', 'jane@dest.test');
  assert.equal(sent.status, 202, JSON.stringify(sent.body));
  await tx.waitForStates(sent.body.id as string, ['delivered']);
  const m = sink.messages.find((x) => x.to.includes('jane@dest.test'))!;
  const selectors = records(mine).filter((x) => x.purpose === 'dkim').map((x) => x.selector);
  assert.deepEqual(await dkimVerdicts(m.raw, dns.address), selectors.map((s) => `${s}:pass`), 'signed with A’s own key');
});

test('a pending claim lapses after domains.claim_ttl_s: it can no longer be verified and is added again with new keys', async () => {
  const first = await add(a, 'late.test');
  assert.equal(first.status, 201);
  const expires = Date.parse(first.body.claim_expires_at as string);
  assert.ok(Math.abs(expires - (Date.parse(first.body.created_at as string) + 7 * 86400_000)) < 1000, 'seven days by default');
  publish(first);
  offset = 8 * 86400_000;
  try {
    const v = await a.call('POST', '/v1/domains/late.test/verify');
    assert.deepEqual([v.status, code(v)], [409, 'TX_ERR_DOMAIN_CLAIM_EXPIRED'], JSON.stringify(v.body));
    const again = await add(a, 'late.test');
    assert.equal(again.status, 201, JSON.stringify(again.body));
    assert.notDeepEqual(again.body.records, first.body.records, 'new keys, so the old published ones do not count');
    assert.ok(Date.parse(again.body.claim_expires_at as string) > Date.now() + offset);
    // An owned domain never lapses.
    assert.equal((await sendAs(a, 'shop@hostile-a.test')).status, 202);
  } finally {
    offset = 0;
  }
});
