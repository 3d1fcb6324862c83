// A hold made through one process is honoured by a worker in another, on PostgreSQL: an API
// process (the hold, the sends) and a worker-only process (the deliveries), one schema.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { postgresOrSkip, testSchema } from '../support/pg.js';
import { spawnTxmail, type TxmailProcess } from '../support/process.js';
import { startSink } from '../support/sink.js';

const dir = mkdtempSync(join(tmpdir(), 'txmail-qc-cluster-'));
const cleanup: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

async function start(name: string, config: Record<string, unknown>, role: 'api' | 'worker'): Promise<TxmailProcess> {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  const p = await spawnTxmail(d, { ...config, role }, {}, { wait: role === 'api' });
  cleanup.push(() => p.kill('SIGTERM'));
  return p;
}

const skip = await postgresOrSkip('queue control across processes on PostgreSQL');
if (skip === undefined) {
  test('a destination held through the API process is held by the worker process; released, it is delivered', { timeout: 60_000 }, async () => {
    const schema = await testSchema();
    cleanup.push(() => schema.drop());
    const sink = await startSink({ tls: 'none' });
    cleanup.push(() => sink.close());
    const config = {
      database_url: schema.url,
      database_pool_size: 2,
      log: { level: 'warn' },
      delivery: { allow_private_targets: true, routes: [{ match: '*', host: '127.0.0.1', port: sink.port, tls: 'none' }] },
      worker: { poll_ms: 100, lease_s: 5 },
    };
    const api = await start('api', config, 'api');
    const key = api.adminKey;
    assert.ok(key, 'the first start printed its key');
    const worker = await start('worker', config, 'worker');
    const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
      const res = await fetch(api.url + path, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const held = await call('POST', '/v1/queue/hold', { destination: 'held.test', reason: 'blocklisted', for: '1h' });
    assert.equal(held.status, 200, JSON.stringify(held.body));
    assert.equal((held.body.hold as { tenant: unknown }).tenant, null, 'the first-start key is a platform key: the hold covers every tenant');
    const send = async (to: string): Promise<string> => {
      const r = await call('POST', '/v1/messages', { from: 'app@sender.test', to, subject: 'cluster hold', text: 'x' });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      return r.body.id as string;
    };
    await send('a@held.test');
    await send('b@held.test');
    await send('c@open.test');
    await sink.waitFor(1, 15_000);
    // The worker claimed (and parked) the held ones: they show as held, and nothing reached the sink.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const l = await call('GET', '/v1/queue/deliveries?state=held');
      if ((l.body.deliveries as unknown[]).length === 2) break;
      if (Date.now() > deadline) assert.fail(`not held: ${JSON.stringify(l.body)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(sink.messages.flatMap((m) => m.to), ['c@open.test']);
    const rel = await call('POST', '/v1/queue/release', { destination: 'held.test' });
    assert.deepEqual([rel.body.touched, rel.body.released_holds], [2, 1]);
    const got = await sink.waitFor(3, 15_000);
    assert.deepEqual(got.flatMap((m) => m.to).sort(), ['a@held.test', 'b@held.test', 'c@open.test']);
    assert.equal(worker.child.exitCode, null);
  });
}
