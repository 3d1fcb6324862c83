// The remote CLI (`txmail queue`, `txmail tenants`) against a running txmail: tables, --json and
// exit codes (0 ok, 1 failure or not found, 2 usage).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, test } from 'node:test';
import { mintApiKey } from '../../src/ingress/auth.js';
import { startSink } from '../support/sink.js';
import { sinkRoute, startTxmail } from '../support/harness.js';

const MAIN = new URL('../../src/main.js', import.meta.url).pathname;
const cleanup: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

function cli(args: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env } }, (e, out, err) => {
      resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out, err });
    });
  });
}

test('txmail queue and tenants over HTTP', async () => {
  const sink = await startSink({ tls: 'none' });
  cleanup.push(() => sink.close());
  const h = await startTxmail({ 'delivery.routes': [sinkRoute(sink.port)] });
  cleanup.push(() => h.close());
  const p = mintApiKey(h.tenantId, 'platform', ['admin', 'send', 'read', 'platform'], Date.now());
  await h.app.store.createApiKey(p.record);
  const env = { TXMAIL_KEY: p.key, TXMAIL_URL: h.url };

  const hold = await cli(['queue', 'hold', '--destination', 'cli.test', '--reason', 'testing', '--for', '1h'], env);
  assert.equal(hold.code, 0, hold.err);
  assert.match(hold.out, /hold hold_\w+ on cli\.test until 20/);
  const sent = await h.post('/v1/messages', { from: 'app@sender.test', to: 'x@cli.test', subject: 's', text: 't' });
  const id = sent.body.id as string;
  const deadline = Date.now() + 10_000;
  let listed: Array<{ state: string; message_id: string }> = [];
  while (Date.now() < deadline) {
    const l = await cli(['queue', 'list', '--state', 'held', '--json'], env);
    listed = (JSON.parse(l.out) as { deliveries: typeof listed }).deliveries;
    if (listed.length === 1) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.deepEqual(listed.map((d) => d.message_id), [id]);
  const summary = await cli(['queue', 'summary'], env);
  assert.equal(summary.code, 0);
  assert.match(summary.out, /^DESTINATION\s+QUEUED\s+IN FLIGHT\s+DEFERRED\s+SCHEDULED\s+HELD/m);
  assert.match(summary.out, /cli\.test\s+0\s+0\s+0\s+0\s+1\s/);
  const show = await cli(['queue', 'show', id], env);
  assert.match(show.out, /Recipients:\nEMAIL\s+STATE/);
  const rel = await cli(['queue', 'release', '--destination', 'cli.test'], env);
  assert.match(rel.out, /release: 1 of 1 deliveries changed\nreleased 1 hold\(s\)/);
  await h.waitForStates(id, ['delivered']);

  const created = await cli(['tenants', 'create', 'acme', '--json'], env);
  assert.equal((JSON.parse(created.out) as { name: string }).name, 'acme');
  const list = await cli(['tenants', 'list'], env);
  assert.match(list.out, /acme\s+active/);

  assert.equal((await cli(['queue', 'show', 'msg_nope'], env)).code, 1, 'not found');
  assert.equal((await cli(['queue', 'list', '--state', 'lost'], env)).code, 2, 'refused as invalid');
  assert.equal((await cli(['queue', 'list'], { TXMAIL_URL: h.url })).code, 2, 'no key');
  assert.equal((await cli(['queue', 'list', '--bogus'], env)).code, 2, 'unknown option');
  assert.equal((await cli(['queue', 'hold'], env)).code, 2, 'nothing named');
  assert.equal((await cli(['queue', 'summary'], { ...env, TXMAIL_URL: 'http://127.0.0.1:9' })).code, 1, 'unreachable');
});
