// One-click unsubscribe end to end (RFC 8058): which messages carry List-Unsubscribe, the
// one-click POST, the confirmation page, the mailto address at the bounce listener, and
// tampered tokens. The headers are inside the DKIM signature, checked with mailauth.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startDnsServer, type DnsServer } from '../support/dns-server.js';
import { dkimVerdicts, proveOwnership, sendToListener, zoneFor, type ApiRecord } from '../support/domains.js';
import { sinkRoute, startTxmail, type Harness } from '../support/harness.js';
import { startSink, type ReceivedMessage, type Sink } from '../support/sink.js';

let sink: Sink;
let dns: DnsServer;
let tx: Harness;

before(async () => {
  sink = await startSink({ tls: 'none' });
  dns = await startDnsServer({});
  tx = await startTxmail({
    'delivery.routes': [sinkRoute(sink.port, '*', 'none')],
    'domains.allow_unverified_senders': false,
    'domains.cache_s': 0,
    // Links point at this very instance; its port is only known once it listens, so the test
    // rewrites the host of each link to tx.url (the path, /u/<token>, is what matters).
    public_url: 'https://mail.acme.test',
  });
  const added = await tx.post('/v1/domains', { name: 'acme.test' });
  assert.equal(added.status, 201);
  await proveOwnership(tx.app.store, tx.tenantId, 'acme.test');
  dns.setZone(zoneFor(added.body.records as ApiRecord[]));
});
after(async () => {
  await tx.close();
  await sink.close();
  await dns.close();
});

async function deliver(to: string, extra: Record<string, unknown> = {}): Promise<ReceivedMessage> {
  const res = await tx.post('/v1/messages', { from: 'Acme News <news@acme.test>', to, subject: 'This week', text: 'News!', ...extra });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  await tx.waitForStates(res.body.id as string, ['delivered']);
  const m = sink.messages.find((x) => x.to.includes(to));
  assert.ok(m);
  return m;
}

/** The https URL and the mailto address of a message's List-Unsubscribe. */
function links(m: ReceivedMessage): { url: string; local: string; mailto: string } {
  const v = m.header('list-unsubscribe') ?? '';
  const url = /<(https:[^>]+)>/.exec(v)?.[1];
  const mailto = /<mailto:([^?>]+)\?subject=unsubscribe>/.exec(v)?.[1];
  assert.ok(url && mailto, v);
  const path = new URL(url).pathname;
  return { url, local: tx.url + path, mailto };
}

test('bulk messages carry List-Unsubscribe (URL and mailto) and List-Unsubscribe-Post, inside the DKIM signature', async () => {
  const m = await deliver('reader@dest.test', { bulk: true });
  const { url, mailto } = links(m);
  assert.match(url, /^https:\/\/mail\.acme\.test\/u\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  assert.match(mailto, /^u\+[a-z0-9-]+\.[a-z2-7]{16}@bounce\.acme\.test$/);
  assert.equal(m.header('list-unsubscribe-post'), 'List-Unsubscribe=One-Click');
  assert.equal(m.header('precedence'), 'bulk');
  const signature = (m.header('dkim-signature') ?? '').replace(/\s+/g, '');
  assert.match(signature, /h=[^;]*list-unsubscribe:list-unsubscribe:list-unsubscribe-post:list-unsubscribe-post/);
  assert.equal((await dkimVerdicts(m.raw, dns.address))[0]?.endsWith(':pass'), true);
  // A transactional message gets none of it.
  const plain = await deliver('plain@dest.test');
  assert.equal(plain.header('list-unsubscribe'), undefined);
  assert.equal(plain.header('list-unsubscribe-post'), undefined);
});

test('one-click POST unsubscribes at once: unsubscribed event, suppression, and later sends are dropped', async () => {
  const m = await deliver('one-click@dest.test', { bulk: true });
  const { local } = links(m);
  const res = await fetch(local, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('set-cookie'), null);
  const s = await tx.app.store.getSuppression(tx.tenantId, 'one-click@dest.test');
  assert.equal(s?.reason, 'unsubscribe');
  const view = await tx.get(`/v1/messages/${s!.sourceMessageId}`);
  const events = view.body.events as Array<{ type: string; data: { source?: string } }>;
  assert.deepEqual(events.filter((e) => e.type === 'unsubscribed').map((e) => e.data.source), ['one_click']);
  // Repeating it is harmless and records nothing new.
  assert.equal((await fetch(local, { method: 'POST', body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status, 200);
  assert.equal(((await tx.get(`/v1/messages/${s!.sourceMessageId}`)).body.events as Array<{ type: string }>).filter((e) => e.type === 'unsubscribed').length, 1);
  const again = await tx.post('/v1/messages', { from: 'news@acme.test', to: 'one-click@dest.test', subject: 'x', text: 'x' });
  assert.deepEqual((again.body.recipients as Array<{ status: string; reason: string }>).map((r) => [r.status, r.reason]), [['dropped', 'suppressed:unsubscribe']]);
});

test('GET unsubscribes too and shows a small page confirming it', async () => {
  const m = await deliver('page@dest.test', { bulk: true });
  const { local } = links(m);
  assert.equal(await tx.app.store.getSuppression(tx.tenantId, 'page@dest.test'), undefined);
  const page = await fetch(local);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
  const html = await page.text();
  assert.match(html, /page@dest\.test/);
  assert.match(html, /will receive no more email/);
  assert.equal((await tx.app.store.getSuppression(tx.tenantId, 'page@dest.test'))?.reason, 'unsubscribe');
  const view = await tx.app.store.getMessage(tx.tenantId, m.header('message-id')!.replace(/^<|@.*$/g, ''));
  const ev = view?.events.find((e) => e.type === 'unsubscribed');
  assert.deepEqual(ev?.data, { source: 'page' });
});

test('a tampered or forged token is refused and changes nothing', async () => {
  const m = await deliver('victim@dest.test', { bulk: true });
  const { local } = links(m);
  const [base, token] = [local.slice(0, local.lastIndexOf('/') + 1), local.slice(local.lastIndexOf('/') + 1)];
  const [body, mac] = token.split('.') as [string, string];
  const claim = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, string>;
  const forgedBody = Buffer.from(JSON.stringify({ ...claim, a: 'someone-else@dest.test' })).toString('base64url');
  for (const bad of [`${forgedBody}.${mac}`, `${body}.${mac.slice(0, -2)}AA`, body, 'garbage']) {
    const post = await fetch(base + bad, { method: 'POST', body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(post.status, 400, bad);
    assert.match(await post.text(), /not valid/);
    assert.equal((await fetch(base + bad)).status, 400);
  }
  assert.equal(await tx.app.store.getSuppression(tx.tenantId, 'someone-else@dest.test'), undefined);
  assert.equal(await tx.app.store.getSuppression(tx.tenantId, 'victim@dest.test'), undefined);
});

test('mail to the List-Unsubscribe mailto address unsubscribes', async () => {
  const m = await deliver('by-mail@dest.test', { bulk: true });
  const { mailto } = links(m);
  assert.match(await sendToListener(tx.app.bounce!.port, { from: 'by-mail@dest.test', to: [mailto], raw: `From: by-mail@dest.test\r\nTo: ${mailto}\r\nSubject: unsubscribe\r\n\r\n` }), /^250/);
  const s = await tx.app.store.getSuppression(tx.tenantId, 'by-mail@dest.test');
  assert.equal(s?.reason, 'unsubscribe');
  const v = await tx.app.store.getMessage(tx.tenantId, s!.sourceMessageId!);
  const u = v!.events.find((e) => e.type === 'unsubscribed');
  assert.deepEqual(u?.type === 'unsubscribed' && u.data, { source: 'mailto' });
});

test('the tenant setting adds List-Unsubscribe to every message; the sender’s own header is kept', async () => {
  await tx.app.store.updateTenantSettings(tx.tenantId, { listUnsubscribe: 'always' });
  try {
    const m = await deliver('always@dest.test');
    assert.ok(links(m).url);
    const own = await deliver('own@dest.test', { bulk: true, headers: { 'List-Unsubscribe': '<https://shop.test/prefs>' } });
    assert.equal(own.header('list-unsubscribe'), '<https://shop.test/prefs>');
    assert.equal(own.header('list-unsubscribe-post'), undefined);
  } finally {
    await tx.app.store.updateTenantSettings(tx.tenantId, { listUnsubscribe: 'bulk' });
  }
});
