import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { checkWebhookTarget, WebhookPoster, type LookupAll } from './webhook-post.js';

let server: http.Server;
let port = 0;
const bodies: string[] = [];

before(async () => {
  server = http.createServer((req, res) => {
    let b = '';
    req.on('data', (c: Buffer) => (b += c.toString()));
    req.on('end', () => {
      bodies.push(b);
      if (req.url === '/moved') res.writeHead(301, { location: 'http://127.0.0.1/elsewhere' }).end();
      else res.writeHead(req.url === '/bad' ? 503 : 204).end(req.url === '/bad' ? 'down for\n maintenance' : undefined);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
});
after(() => new Promise<void>((r) => server.close(() => r())));

/** A resolver that answers every name with these addresses: what DNS rebinding looks like. */
const resolvesTo = (...addresses: string[]): LookupAll => (_host, _opts, cb) => cb(null, addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));

test('a host that resolves to loopback is refused at connect time; nothing is sent', async () => {
  const poster = new WebhookPoster({ timeoutMs: 2000, allowPrivate: false, lookup: resolvesTo('127.0.0.1') });
  const n = bodies.length;
  const r = await poster.post(`http://hooks.example.test:${port}/x`, '{}', {});
  poster.close();
  assert.equal(r.ok, false);
  assert.equal(r.status, null);
  assert.match(r.error!, /refused: hooks\.example\.test resolves to no public address \(127\.0\.0\.1 is loopback\)/);
  assert.equal(bodies.length, n, 'the request never reached the server');
});

test('an IP literal on a private range is refused without a lookup; allowed when the operator allows it', async () => {
  const strict = new WebhookPoster({ timeoutMs: 2000, allowPrivate: false });
  assert.match((await strict.post(`http://127.0.0.1:${port}/x`, '{}', {})).error!, /refused: 127\.0\.0\.1 is loopback/);
  strict.close();
  const lax = new WebhookPoster({ timeoutMs: 2000, allowPrivate: true, lookup: resolvesTo('127.0.0.1') });
  const ok = await lax.post(`http://hooks.example.test:${port}/x`, '{"a":1}', { 'x-test': '1' });
  assert.deepEqual([ok.ok, ok.status, ok.error], [true, 204, null]);
  assert.equal(bodies[bodies.length - 1], '{"a":1}');
  const bad = await lax.post(`http://127.0.0.1:${port}/bad`, '{}', {});
  assert.deepEqual([bad.ok, bad.status, bad.error], [false, 503, 'HTTP 503: down for maintenance']);
  const moved = await lax.post(`http://127.0.0.1:${port}/moved`, '{}', {});
  assert.deepEqual([moved.ok, moved.status], [false, 301]);
  assert.match(moved.error!, /redirect to http:\/\/127\.0\.0\.1\/elsewhere not followed/);
  lax.close();
});

test('of mixed answers only public addresses are used; the API-time check says why it refuses', async () => {
  assert.equal(await checkWebhookTarget('https://hooks.example.test/x', false, resolvesTo('10.0.0.1', '93.184.215.14')), undefined);
  assert.match((await checkWebhookTarget('https://hooks.example.test/x', false, resolvesTo('10.0.0.1', '169.254.169.254')))!, /10\.0\.0\.1 is private .*169\.254\.169\.254 is link-local/);
  assert.equal(await checkWebhookTarget('https://hooks.example.test/x', true, resolvesTo('10.0.0.1')), undefined);
  assert.match((await checkWebhookTarget('http://[fe80::1]/x', false))!, /link-local/);
  const nx: LookupAll = (_h, _o, cb) => cb(Object.assign(new Error('queryA ENOTFOUND'), { code: 'ENOTFOUND' }), []);
  assert.match((await checkWebhookTarget('https://nowhere.example.test/', false, nx))!, /does not resolve \(ENOTFOUND\)/);
});
