// Bounces, complaints and the bounce listener end to end: a synchronous hard bounce suppresses
// the address and the next send is dropped; an asynchronous DSN (sent with nodemailer to the
// bounce listener) bounces the right delivery; an ARF complaint suppresses; the listener takes
// nothing but reports for its own valid return paths.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ARF_FIXTURES } from '../fixtures/bounces/arf.js';
import { DSN_FIXTURES } from '../fixtures/bounces/dsn.js';
import type { MessageView } from '../../src/store/store.js';
import { proveOwnership, sendToListener } from '../support/domains.js';
import { sinkRoute, startTxmail, type Harness } from '../support/harness.js';
import { startSink, type Sink } from '../support/sink.js';

let sink: Sink;
let tx: Harness;

before(async () => {
  sink = await startSink({ tls: 'none' });
  tx = await startTxmail({ 'delivery.routes': [sinkRoute(sink.port, '*', 'none')], 'domains.allow_unverified_senders': false, 'domains.cache_s': 0 });
  assert.equal((await tx.post('/v1/domains', { name: 'acme.test' })).status, 201);
  await proveOwnership(tx.app.store, tx.tenantId, 'acme.test');
});
after(async () => {
  await tx.close();
  await sink.close();
});

async function send(to: string | string[]): Promise<{ id: string; recipients: Array<{ email: string; status: string; reason?: string; delivery_id: string }> }> {
  const res = await tx.post('/v1/messages', { from: 'Acme <shop@acme.test>', to, subject: 'Hello', text: 'Hello there' });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return res.body as { id: string; recipients: Array<{ email: string; status: string; reason?: string; delivery_id: string }> };
}

async function waitFor(id: string, ok: (m: MessageView) => boolean, what: string): Promise<MessageView> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const m = await tx.app.store.getMessage(tx.tenantId, id);
    if (m && ok(m)) return m;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(m?.deliveries.map((d) => [d.recipient, d.state]))}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The VERP return path the sink saw for a recipient. */
function returnPath(to: string): string {
  const m = sink.messages.find((x) => x.to.includes(to) && x.outcome === 'accepted');
  assert.ok(m, `no message to ${to} at the sink`);
  assert.match(m.from, /^b\+.+@bounce\.acme\.test$/);
  return m.from;
}

test('remote 550 5.1.1 → hard bounce → suppression → the next send is dropped, and the 202 says so', async () => {
  const first = await send('rcpt-550-gone@dest.test');
  const v = await tx.waitForStates(first.id, ['bounced']);
  assert.deepEqual([v.deliveries[0]!.bounceClass, v.deliveries[0]!.reason], ['hard', 'user_unknown']);
  const s = await tx.app.store.getSuppression(tx.tenantId, 'rcpt-550-gone@dest.test');
  assert.deepEqual([s?.reason, s?.sourceMessageId], ['hard_bounce', first.id]);

  const second = await send(['rcpt-550-gone@dest.test', 'fine@dest.test']);
  assert.deepEqual(
    second.recipients.map((r) => [r.email, r.status, r.reason ?? null]),
    [
      ['rcpt-550-gone@dest.test', 'dropped', 'suppressed:hard_bounce'],
      ['fine@dest.test', 'queued', null],
    ],
  );
  const v2 = await waitFor(second.id, (m) => m.deliveries[1]!.state === 'delivered', 'the second recipient');
  assert.equal(v2.deliveries[0]!.state, 'dropped');
  assert.deepEqual(v2.events.filter((e) => e.recipient === 'rcpt-550-gone@dest.test').map((e) => e.type), ['dropped']);
  assert.equal(sink.events.filter((e) => e.address === 'rcpt-550-gone@dest.test').length, 1, 'the sink saw the address once, on the first send');
});

test('a permanent refusal about the message (5.7.1 spam) bounces soft and suppresses nothing', async () => {
  const m = await send('data-550-spam@dest.test');
  const v = await tx.waitForStates(m.id, ['bounced']);
  assert.deepEqual([v.deliveries[0]!.bounceClass, v.deliveries[0]!.reason], ['soft', 'spam_detected']);
  assert.equal(await tx.app.store.getSuppression(tx.tenantId, 'data-550-spam@dest.test'), undefined);
});

test('send → 250 → an asynchronous DSN at the bounce listener bounces exactly that delivery', async () => {
  const m = await send(['stays@dest.test', 'later-gone@dest.test']);
  await waitFor(m.id, (x) => x.deliveries.every((d) => d.state === 'delivered'), 'delivery');
  const verp = returnPath('later-gone@dest.test');
  assert.notEqual(returnPath('stays@dest.test'), verp, 'one return path per delivery');
  const dsn = DSN_FIXTURES[0]!.raw.replace(/jane\.doe@example-corp\.com/g, 'later-gone@dest.test').replace(/\n/g, '\r\n');
  const reply = await sendToListener(tx.app.bounce!.port, { from: false, to: [verp], raw: dsn });
  assert.match(reply, /^250/);
  const v = await waitFor(m.id, (x) => x.deliveries[1]!.state === 'bounced', 'the async bounce');
  assert.deepEqual(
    v.deliveries.map((d) => [d.recipient, d.state, d.bounceClass, d.reason]),
    [
      ['stays@dest.test', 'delivered', null, null],
      ['later-gone@dest.test', 'bounced', 'hard', 'user_unknown'],
    ],
  );
  const bounced = v.events.filter((e) => e.type === 'bounced');
  assert.equal(bounced.length, 1);
  assert.equal(bounced[0]!.deliveryId, v.deliveries[1]!.id);
  assert.deepEqual(
    bounced[0]!.type === 'bounced' && [bounced[0]!.data.source, bounced[0]!.data.status, bounced[0]!.data.reporting_mta],
    ['dsn', '5.1.1', 'googlemail.com'],
  );
  assert.equal((await tx.app.store.getSuppression(tx.tenantId, 'later-gone@dest.test'))?.reason, 'hard_bounce');
  // The same report again changes nothing.
  assert.match(await sendToListener(tx.app.bounce!.port, { from: false, to: [verp], raw: dsn }), /^250/);
  const again = (await tx.app.store.getMessage(tx.tenantId, m.id))!;
  assert.equal(again.events.filter((e) => e.type === 'bounced').length, 1);
  // A delay notice is taken and ignored: the delivery stays as it is.
  const delay = DSN_FIXTURES.find((f) => f.name.includes('delayed'))!.raw;
  const verpStays = returnPath('stays@dest.test');
  assert.match(await sendToListener(tx.app.bounce!.port, { from: false, to: [verpStays], raw: delay }), /^250/);
  assert.equal((await tx.app.store.getMessage(tx.tenantId, m.id))!.deliveries[0]!.state, 'delivered');
});

test('an ARF complaint → complained event and suppression, at the return path or the fbl@ address', async () => {
  const m = await send(['complainer@dest.test', 'fbl-complainer@dest.test']);
  await waitFor(m.id, (x) => x.deliveries.every((d) => d.state === 'delivered'), 'delivery');
  const yahoo = ARF_FIXTURES[0]!;
  const verp = returnPath('complainer@dest.test');
  assert.match(await sendToListener(tx.app.bounce!.port, { from: 'feedback@arf.yahoo.example', to: [verp], raw: yahoo.raw }), /^250/);
  // A feedback loop registered as fbl@: the report names the original return path inside.
  const other = returnPath('fbl-complainer@dest.test');
  const fbl = yahoo.raw.replace(/bounces\+01HM5X3QARF1@bounce\.txmail\.example/g, other);
  assert.match(await sendToListener(tx.app.bounce!.port, { from: 'feedback@arf.yahoo.example', to: ['fbl@bounce.acme.test'], raw: fbl }), /^250/);
  const v = await waitFor(m.id, (x) => x.events.filter((e) => e.type === 'complained').length === 2, 'two complaints');
  const c = v.events.find((e) => e.type === 'complained' && e.recipient === 'complainer@dest.test');
  assert.deepEqual(c?.type === 'complained' && [c.data.feedback_type, c.data.user_agent, c.data.source], ['abuse', 'Yahoo!-Mail-Feedback/2.0', 'arf']);
  assert.deepEqual(v.deliveries.map((d) => d.state), ['delivered', 'delivered'], 'a complaint does not change the delivery');
  for (const a of ['complainer@dest.test', 'fbl-complainer@dest.test']) assert.equal((await tx.app.store.getSuppression(tx.tenantId, a))?.reason, 'complaint', a);
  assert.equal((await send('complainer@dest.test')).recipients[0]!.reason, 'suppressed:complaint');
});

test('the bounce listener refuses relay attempts, forged or altered return paths, and anything but reports', async () => {
  const m = await send('victim-of-forgery@dest.test');
  await tx.waitForStates(m.id, ['delivered']);
  const verp = returnPath('victim-of-forgery@dest.test');
  const port = tx.app.bounce!.port;
  const seen = sink.messages.length;
  const refused = async (to: string, raw = DSN_FIXTURES[0]!.raw, from: string | false = false): Promise<string> => {
    const err = await sendToListener(port, { from, to: [to], raw }).then(
      () => assert.fail(`${to} was accepted`),
      (e: { response?: string }) => e,
    );
    return String(err.response);
  };
  assert.match(await refused('victim@example.org', 'Subject: relay me\r\n\r\nhi\r\n', 'spammer@evil.test'), /^550 .*relaying denied/);
  assert.match(await refused('postmaster@bounce.acme.test'), /^550 /);
  assert.match(await refused(verp.replace('@bounce.acme.test', '@acme.test')), /^550 .*relaying denied/, 'not a bounce subdomain');
  const [local, domain] = verp.split('@') as [string, string];
  const tampered = `${local.slice(0, -1)}${local.endsWith('a') ? 'b' : 'a'}@${domain}`;
  assert.match(await refused(tampered), /^550 5\.1\.1 .*unknown or altered return path/);
  const forged = verp.replace(/-(\d+)\./, (_m, n: string) => `-${Number(n) + 1}.`);
  assert.match(await refused(forged), /^550 5\.1\.1/);
  // A valid return path, but not a report: refused in the session (no backscatter).
  assert.match(await refused(verp, 'From: someone@example.org\r\nSubject: out of office\r\n\r\nI am away.\r\n', 'someone@example.org'), /^550 5\.6\.0/);
  const v = (await tx.app.store.getMessage(tx.tenantId, m.id))!;
  assert.deepEqual([v.deliveries[0]!.state, v.events.map((e) => e.type)], ['delivered', ['queued', 'delivered']]);
  assert.equal(sink.messages.length, seen, 'nothing was relayed anywhere');
});
