// Open and click tracking end to end: the tenant switch and the per-message option, the HTML a
// recipient gets (links rewritten, pixel added, text, mailto and unsubscribe links untouched),
// the tracking host's answers, and the events they write. A tampered or forged link never
// redirects.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { signToken } from '../../src/domain/tokens.js';
import { freePort } from '../support/process.js';
import { startSink, type ReceivedMessage, type Sink } from '../support/sink.js';
import { sinkRoute, startTxmail, type Harness } from '../support/harness.js';

let sink: Sink;
let tx: Harness;
let publicUrl = '';

const HTML = [
  '<html><body><p>Your order</p>',
  '<a href="https://shop.test/orders/42?x=1&amp;y=2">see your order</a>',
  '<a href="mailto:help@shop.test">write to us</a>',
  '<a href="https://shop.test/unsubscribe?u=abc">unsubscribe</a>',
  '</body></html>',
].join('\n');
const TEXT = 'Your order: https://shop.test/orders/42?x=1&y=2';

before(async () => {
  sink = await startSink({ tls: 'none' });
  const port = await freePort();
  publicUrl = `http://127.0.0.1:${port}`;
  // click_window_s 0: the clicks below follow delivery at once and must count as a person's.
  tx = await startTxmail({ 'http.port': port, public_url: publicUrl, 'delivery.routes': [sinkRoute(sink.port, '*', 'none')], 'tracking.click_window_s': 0 });
});
after(async () => {
  await tx.close();
  await sink.close();
});

async function sendAndReceive(body: Record<string, unknown>): Promise<{ id: string; messages: ReceivedMessage[] }> {
  const res = await tx.post('/v1/messages', { from: 'shop@sender.test', subject: 'Your order', ...body });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  const id = res.body.id as string;
  const view = await tx.waitForStates(id, ['delivered']);
  const messages = sink.messages.filter((m) => m.header('message-id') === view.messageIdHeader);
  return { id, messages };
}

/** True when no recipient of the message has a MIME variant of its own. */
async function sharedMime(id: string, recipients: number): Promise<boolean> {
  for (let i = 0; i < recipients; i++) if ((await tx.app.store.loadDeliveryRaw(`${id}.${i}`)) !== undefined) return false;
  return true;
}

const hrefs = (html: string): string[] => [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
const pixels = (html: string): string[] => [...html.matchAll(/<img src="([^"]*)"/g)].map((m) => m[1]!);
const engagement = async (id: string): Promise<Array<{ type: string; data: Record<string, unknown>; recipient: string }>> =>
  ((await tx.get(`/v1/messages/${id}`)).body.events as Array<{ type: string; data: Record<string, unknown>; recipient: string }>).filter((e) => e.type === 'opened' || e.type === 'clicked');

test('tracking is off by default: the HTML is sent as written, one MIME for all recipients', async () => {
  assert.deepEqual((await tx.get('/v1/settings/tracking')).body, { opens: false, clicks: false });
  const { id, messages } = await sendAndReceive({ to: ['a@one.test', 'b@one.test'], text: TEXT, html: HTML });
  const parsed = await messages[0]!.parse();
  assert.deepEqual(hrefs(String(parsed.html)), ['https://shop.test/orders/42?x=1&y=2', 'mailto:help@shop.test', 'https://shop.test/unsubscribe?u=abc']);
  assert.deepEqual(await sharedMime(id, 2), true, 'no per-recipient variant');
});

test('with tracking on, each recipient gets its own links and pixel; text, mailto and unsubscribe links stay', async () => {
  const put = await tx.call('PUT', '/v1/settings/tracking', { opens: true, clicks: true });
  assert.deepEqual([put.status, put.body], [200, { opens: true, clicks: true }]);
  const { id, messages } = await sendAndReceive({ to: ['a@two.test', 'b@two.test'], text: TEXT, html: HTML });
  assert.equal(messages.length, 2, 'one variant per recipient, each in its own transaction');
  assert.ok((await tx.app.store.loadDeliveryRaw(`${id}.0`)) !== undefined);
  const variants = await Promise.all(messages.map((m) => m.parse()));
  const tracked = variants.map((p) => hrefs(String(p.html)));
  for (const links of tracked) {
    assert.equal(links.length, 3);
    assert.ok(links[0]!.startsWith(`${publicUrl}/t/c/`), links[0]);
    assert.equal(links[1], 'mailto:help@shop.test');
    assert.equal(links[2], 'https://shop.test/unsubscribe?u=abc');
  }
  assert.notEqual(tracked[0]![0], tracked[1]![0], 'tokens differ per recipient');
  for (const p of variants) {
    assert.equal(pixels(String(p.html)).length, 1);
    assert.ok(pixels(String(p.html))[0]!.startsWith(`${publicUrl}/t/o/`));
    assert.equal(p.text?.trim(), TEXT, 'the plain-text part is never rewritten');
  }
  const plain = await sendAndReceive({ to: ['c@two.test', 'd@two.test'], text: TEXT });
  assert.equal(await sharedMime(plain.id, 2), true, 'a text-only message stays one shared MIME');
  assert.equal((await plain.messages[0]!.parse()).text?.trim(), TEXT);
});

test('a click redirects to the original URL and records who, when and from where; a tampered link does not redirect', async () => {
  const { id, messages } = await sendAndReceive({ to: 'clicker@three.test', html: HTML });
  const link = hrefs(String((await messages[0]!.parse()).html))[0]!;
  const ua = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36';
  const res = await fetch(link, { redirect: 'manual', headers: { 'user-agent': ua } });
  assert.equal(res.status, 302);
  assert.equal(res.headers.get('location'), 'https://shop.test/orders/42?x=1&y=2');
  assert.match(res.headers.get('cache-control') ?? '', /no-store/);
  const [click] = await engagement(id);
  assert.equal(click?.type, 'clicked');
  assert.equal(click?.recipient, 'clicker@three.test');
  assert.deepEqual(click?.data, { url: 'https://shop.test/orders/42?x=1&y=2', user_agent: ua, ip: '127.0.0.1', machine: false, unique: true });

  const token = link.slice(`${publicUrl}/t/c/`.length);
  const [payload, mac] = token.split('.') as [string, string];
  const evil = Buffer.from(JSON.stringify({ d: `${id}.0`, u: 'https://evil.test/phish' })).toString('base64url');
  const flip = (s: string): string => s.slice(0, -1) + (s.endsWith('A') ? 'B' : 'A');
  const attempts = [
    `${evil}.${mac}`, // another destination under the old MAC
    `${flip(payload)}.${mac}`, // a bit of the payload changed
    `${payload}.${flip(mac)}`, // a bit of the MAC changed
    signToken('not-our-secret', 'track-click', { d: `${id}.0`, u: 'https://evil.test/' }), // forged with another key
    `${payload}`, // no MAC at all
    'garbage',
  ];
  for (const t of attempts) {
    const r = await fetch(`${publicUrl}/t/c/${t}`, { redirect: 'manual' });
    assert.equal(r.status, 404, t);
    assert.equal(r.headers.get('location'), null, 'no redirect anywhere');
    assert.match(await r.text(), /This link is not valid/);
  }
  // An open token is signed for another purpose: it is no click link either.
  const pixel = pixels(String((await messages[0]!.parse()).html))[0]!;
  const asClick = await fetch(pixel.replace('/t/o/', '/t/c/'), { redirect: 'manual' });
  assert.equal(asClick.status, 404);
  assert.equal((await engagement(id)).length, 1, 'refused links record nothing');

  const again = await fetch(link, { redirect: 'manual', headers: { 'user-agent': ua } });
  assert.equal(again.status, 302);
  const scanner = await fetch(link, { method: 'HEAD', redirect: 'manual', headers: { 'user-agent': 'Mozilla/5.0' } });
  assert.equal(scanner.status, 302);
  const clicks = (await engagement(id)).map((e) => [e.data['unique'], e.data['machine'], e.data['machine_reason'] ?? null]);
  assert.deepEqual(clicks, [[true, false, null], [false, false, null], [false, true, 'head_request']]);
});

test('the pixel records opens; privacy-proxy opens are flagged and are not unique opens', async () => {
  const { id, messages } = await sendAndReceive({ to: 'reader@four.test', html: HTML });
  const pixel = pixels(String((await messages[0]!.parse()).html))[0]!;
  const mpp = await fetch(pixel, { headers: { 'user-agent': 'Mozilla/5.0' } });
  assert.equal(mpp.status, 200);
  assert.equal(mpp.headers.get('content-type'), 'image/gif');
  assert.equal(Buffer.from(await mpp.arrayBuffer()).subarray(0, 6).toString(), 'GIF89a');
  await fetch(pixel, { headers: { 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148' } });
  await fetch(pixel, { headers: { 'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Thunderbird/115.0' } });
  const opens = (await engagement(id)).map((e) => [e.type, e.data['machine'], e.data['machine_reason'] ?? null, e.data['unique']]);
  assert.deepEqual(opens, [
    ['opened', true, 'apple_mpp', false],
    ['opened', false, null, true],
    ['opened', false, null, false],
  ]);
  // A bad open token still gets a pixel (it reveals nothing) but writes nothing.
  const bad = await fetch(`${publicUrl}/t/o/garbage.token`);
  assert.equal(bad.status, 200);
  assert.equal((await engagement(id)).length, 3);
});

test('the message’s own tracking option wins over the tenant’s, switch by switch', async () => {
  const off = await sendAndReceive({ to: ['x@five.test', 'y@five.test'], html: HTML, tracking: { opens: false, clicks: false } });
  assert.equal(await sharedMime(off.id, 2), true);
  assert.equal(hrefs(String((await off.messages[0]!.parse()).html))[0], 'https://shop.test/orders/42?x=1&y=2');
  await tx.call('PUT', '/v1/settings/tracking', { opens: false, clicks: false });
  const clicksOnly = await sendAndReceive({ to: 'z@five.test', html: HTML, tracking: { clicks: true } });
  const html = String((await clicksOnly.messages[0]!.parse()).html);
  assert.ok(hrefs(html)[0]!.startsWith(`${publicUrl}/t/c/`));
  assert.deepEqual(pixels(html), [], 'opens follow the tenant (off)');
  const bad = await tx.post('/v1/messages', { from: 'shop@sender.test', to: 'z@five.test', subject: 's', html: HTML, tracking: { opens: 'yes' } });
  assert.equal(bad.status, 422);
  assert.equal((await tx.call('PUT', '/v1/settings/tracking', { opens: true })).status, 422);
});
