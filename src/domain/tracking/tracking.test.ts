import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signToken } from '../tokens.js';
import { clickUrl, openUrl, readClickToken, readOpenToken, trackingBase } from './links.js';
import { classifyEngagement } from './machine.js';
import { decodeEntities, placePixelAt, planHtml, renderHtml } from './rewrite.js';
import { planText, renderText } from './text.js';
import { utmHtml, utmText, withUtm } from './utm.js';

const ORIGIN = 'https://t.example.com';
const track = (html: string, opts: { clicks?: boolean; opens?: boolean } = {}): string =>
  renderHtml(planHtml(html, { clicks: opts.clicks ?? true, opens: opts.opens ?? false, trackingOrigin: ORIGIN }), (u) => `${ORIGIN}/t/c/⟦${u}⟧`, `${ORIGIN}/t/o/P`);

test('http(s) links are rewritten; mailto, tel, anchors, relative and unsubscribe links are not', () => {
  const html = [
    '<a href="https://shop.test/order?id=1&amp;x=2">order</a>',
    "<A HREF='http://shop.test/b'>b</A>",
    '<a class=x href=https://shop.test/c>c</a>',
    '<a href="mailto:help@shop.test">mail</a>',
    '<a href="tel:+123">call</a>',
    '<a href="#top">top</a>',
    '<a href="/relative">rel</a>',
    '<a href="https://shop.test/unsubscribe?u=1">unsubscribe</a>',
    '<a href="https://shop.test/prefs/opt-out">opt out</a>',
    '<a href="https://t.example.com/u/abc">ours</a>',
    '<a clicktracking="off" href="https://shop.test/d">d</a>',
    '<a data-txmail-notrack href="https://shop.test/e">e</a>',
    '<a href="https://shop.test/{{code}}">tpl</a>',
  ].join('\n');
  const out = track(html);
  const rewritten = [...out.matchAll(/⟦([^⟧]*)⟧/g)].map((m) => decodeEntities(m[1]!));
  assert.deepEqual(rewritten, ['https://shop.test/order?id=1&x=2', 'http://shop.test/b', 'https://shop.test/c']);
  for (const kept of ['mailto:help@shop.test', 'tel:+123', '"#top"', '"/relative"', 'unsubscribe?u=1', 'opt-out', 't.example.com/u/abc', 'shop.test/d', 'shop.test/e', '{{code}}']) {
    assert.ok(out.includes(kept), `${kept} kept`);
  }
  assert.ok(out.includes('<a class=x href="https://t.example.com/t/c/⟦https://shop.test/c⟧">c</a>'));
  assert.ok(out.includes('⟦https://shop.test/order?id=1&amp;x=2⟧'), 'the attribute value is escaped again');
});

test('comments, scripts and styles are left alone; > inside quoted attributes does not end the tag', () => {
  const html = '<!-- <a href="https://x.test/1">--><script>var a = "<a href=\'https://x.test/2\'>";</script><style>a[href="https://x.test/3"]{}</style><a title="a>b" href="https://x.test/4">4</a>';
  const out = track(html);
  assert.deepEqual([...out.matchAll(/⟦([^⟧]*)⟧/g)].map((m) => m[1]), ['https://x.test/4']);
  assert.ok(out.startsWith('<!-- <a href="https://x.test/1">--><script>var a = "<a href=\'https://x.test/2\'>";</script><style>'));
});

test('the open pixel goes before </body>, or at the end; plain rendering without tracking changes nothing', () => {
  assert.match(track('<html><body><p>Hi</p></body></html>', { clicks: false, opens: true }), /<p>Hi<\/p><img src="https:\/\/t\.example\.com\/t\/o\/P" width="1" height="1" alt=""[^>]*\/><\/body><\/html>$/);
  assert.match(track('<p>Hi</p>', { clicks: false, opens: true }), /^<p>Hi<\/p><img /);
  const html = '<p><a href="https://x.test/">x</a></p>';
  assert.equal(track(html, { clicks: false, opens: false }), html);
});

test('entities in hrefs are decoded once', () => {
  assert.equal(decodeEntities('a&amp;b&#38;c&#x26;d&quot;&nbsp;'), 'a&b&c&d"&nbsp;');
});

test('tracking tokens: the destination comes only from a token we signed, for its purpose', () => {
  const secret = 's3cret';
  const base = trackingBase('https://t.example.com/');
  assert.equal(base, 'https://t.example.com/t');
  const c = clickUrl(base, secret, 'msg_1.0', 'https://shop.test/x');
  const token = c.slice(`${base}/c/`.length);
  assert.deepEqual(readClickToken(secret, token), { deliveryId: 'msg_1.0', url: 'https://shop.test/x' });
  // Tampering with the payload (another destination) breaks the MAC.
  const [body, mac] = token.split('.') as [string, string];
  const forged = Buffer.from(JSON.stringify({ d: 'msg_1.0', u: 'https://evil.test/' })).toString('base64url');
  assert.equal(readClickToken(secret, `${forged}.${mac}`), undefined);
  assert.equal(readClickToken(secret, `${body}.${mac.slice(0, -2)}AA`), undefined);
  assert.equal(readClickToken('other', token), undefined);
  // An open token is not a click token, and a signed non-http destination is refused anyway.
  const o = openUrl(base, secret, 'msg_1.0').slice(`${base}/o/`.length);
  assert.deepEqual(readOpenToken(secret, o), { deliveryId: 'msg_1.0' });
  assert.equal(readClickToken(secret, o), undefined);
  assert.equal(readClickToken(secret, signToken(secret, 'track-click', { d: 'x', u: 'javascript:alert(1)' })), undefined);
});

test('machine opens and clicks are recognised; a person is not', () => {
  const policy = { clickWindowMs: 5000 };
  const req = { kind: 'open' as const, method: 'GET', userAgent: 'Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15', ip: '203.0.113.9', sinceDeliveredMs: 60_000 };
  assert.deepEqual(classifyEngagement(req, policy), { machine: false });
  assert.deepEqual(classifyEngagement({ ...req, userAgent: 'Mozilla/5.0' }, policy), { machine: true, reason: 'apple_mpp' });
  assert.deepEqual(classifyEngagement({ ...req, ip: '17.58.1.2' }, policy), { machine: true, reason: 'apple_mpp' });
  assert.deepEqual(classifyEngagement({ ...req, userAgent: 'Mozilla/5.0 (Windows NT 5.1) (via ggpht.com GoogleImageProxy)' }, policy), { machine: false });
  const click = { ...req, kind: 'click' as const };
  assert.deepEqual(classifyEngagement({ ...click, userAgent: 'Mozilla/5.0' }, policy), { machine: false }, 'a bare UA on a click is not MPP');
  assert.deepEqual(classifyEngagement({ ...click, method: 'HEAD' }, policy), { machine: true, reason: 'head_request' });
  assert.deepEqual(classifyEngagement({ ...click, userAgent: 'python-requests/2.31' }, policy), { machine: true, reason: 'scanner_user_agent' });
  assert.deepEqual(classifyEngagement({ ...click, sinceDeliveredMs: 1200 }, policy), { machine: true, reason: 'too_fast' });
  assert.deepEqual(classifyEngagement({ ...click, userAgent: null }, policy), { machine: true, reason: 'no_user_agent' });
});

test('text parts: bare http(s) URLs become tracking URLs, trailing punctuation stays outside', () => {
  const text = 'Reset: https://shop.test/reset?t=1&u=2.\nHelp (https://shop.test/help) or mailto:help@shop.test\nLeave: https://shop.test/unsubscribe?u=1\nOurs: https://t.example.com/u/x';
  const out = renderText(planText(text, ORIGIN), (u) => `[${u}]`);
  assert.equal(
    out,
    'Reset: [https://shop.test/reset?t=1&u=2].\nHelp ([https://shop.test/help]) or mailto:help@shop.test\nLeave: https://shop.test/unsubscribe?u=1\nOurs: https://t.example.com/u/x',
  );
  assert.equal(renderText(planText('no links here', ORIGIN), () => 'x'), 'no links here');
});

test('utm parameters go on web links in HTML and text; parameters a link has are kept; unsubscribe links stay', () => {
  const p = { utm_source: 'sendgrid', utm_medium: 'email', utm_campaign: 'spring sale' };
  assert.equal(withUtm('https://shop.test/a?x=1&utm_source=own', p), 'https://shop.test/a?x=1&utm_source=own&utm_medium=email&utm_campaign=spring+sale');
  const html = utmHtml('<a href="https://shop.test/a">a</a> <a href="mailto:x@shop.test">m</a> <a href="https://shop.test/unsubscribe">u</a>', p);
  assert.equal(html, '<a href="https://shop.test/a?utm_source=sendgrid&amp;utm_medium=email&amp;utm_campaign=spring+sale">a</a> <a href="mailto:x@shop.test">m</a> <a href="https://shop.test/unsubscribe">u</a>');
  assert.equal(utmText('See https://shop.test/a.', { utm_source: 's' }), 'See https://shop.test/a?utm_source=s.');
});

test('the open pixel goes where a substitution tag stands; other occurrences of the tag go away', () => {
  const html = '<p>%open%<a href="https://shop.test/a">a</a></p>%open%</body>';
  const plan = placePixelAt(planHtml(html, { clicks: true, opens: false, trackingOrigin: ORIGIN }), '%open%');
  assert.ok(plan);
  const out = renderHtml(plan, (u) => `[${u}]`, 'PIXEL');
  assert.equal(out, '<p><img src="PIXEL" width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0;margin:0;padding:0" /><a href="[https://shop.test/a]">a</a></p></body>');
  assert.equal(placePixelAt(planHtml('<p>x</p>', { clicks: false, opens: false, trackingOrigin: ORIGIN }), '%open%'), undefined);
});
