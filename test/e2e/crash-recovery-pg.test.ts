// Recovery after a crash on PostgreSQL, with the default lease settings (worker.lease_s 300,
// webhooks.lease_s 60, worker.dead_after_s 20): a split deployment (one api process, two workers)
// under an HTTP load; the worker holding the webhook endpoint and deliveries under lease is
// SIGKILLed and restarted. Its heartbeat goes stale and the live worker (or the restarted one)
// takes its leases over: every accepted message reaches the sink, and its events the webhook
// receiver, within 60 s of the restart (not when the leases would have run out).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { postgresOrSkip, testSchema } from '../support/pg.js';
import { spawnTxmail, type TxmailProcess } from '../support/process.js';
import { startLoad, waitForRecovery } from '../support/recovery.js';
import { startSink } from '../support/sink.js';
import { startReceiver } from '../support/webhook-receiver.js';

const TOTAL = 1500;
const dir = mkdtempSync(join(tmpdir(), 'txmail-recover-pg-'));
const cleanup: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

async function start(name: string, config: Record<string, unknown>, role: 'api' | 'worker'): Promise<TxmailProcess> {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  const p = await spawnTxmail(d, { ...config, role }, {}, { wait: role === 'api' });
  cleanup.push(() => p.kill('SIGKILL'));
  return p;
}

/** The pid in a lease owner (host:pid:random, src/worker.ts). */
const pidOf = (owner: string): number => Number(owner.split(':').at(-2));

const skip = await postgresOrSkip('crash recovery on PostgreSQL');
if (skip === undefined) {
  test('PostgreSQL: a SIGKILLed worker’s deliveries and webhook endpoint are taken over; all delivered and posted within 60 s of its restart, with default leases', { timeout: 240_000 }, async () => {
    const schema = await testSchema();
    cleanup.push(() => schema.drop());
    const rx = await startReceiver(() => ({ status: 200, delayMs: 20 }));
    cleanup.push(() => rx.close());
    const sink = await startSink({ tls: 'none' });
    cleanup.push(() => sink.close());
    const hostname = 'recover-pg.txmail.test';
    // Nothing about leases, heartbeats or polling is set: the defaults are under test.
    const config = {
      database_url: schema.url,
      database_pool_size: 4,
      hostname,
      log: { level: 'warn' },
      delivery: { allow_private_targets: true, routes: [{ match: '*', host: '127.0.0.1', port: sink.port, tls: 'none' }] },
      webhooks: { allow_private_targets: true },
    };
    const api = await start('api', config, 'api');
    const key = api.adminKey;
    assert.ok(key, 'the first start printed an admin key');
    const workers = [await start('w1', config, 'worker'), await start('w2', config, 'worker')];
    const res = await fetch(`${api.url}/v1/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: rx.url('/hook'), events: ['queued', 'delivered'] }),
    });
    assert.equal(res.status, 201, await res.text());

    const load = startLoad(api.url, key, TOTAL, 16, (i) => `user${i}@d${i % 7}.test`);
    /** Per worker pid: deliveries and endpoints it holds under a live lease. */
    const held = async (): Promise<Map<number, { deliveries: number; webhooks: number }>> => {
      const now = Date.now();
      const out = new Map<number, { deliveries: number; webhooks: number }>();
      const at = (owner: string) => out.get(pidOf(owner)) ?? (out.set(pidOf(owner), { deliveries: 0, webhooks: 0 }).get(pidOf(owner))!);
      for (const r of await schema.query<{ owner: string; n: number }>(
        'SELECT lease_owner AS owner, count(*)::int AS n FROM deliveries WHERE lease_owner IS NOT NULL AND next_attempt_at > $1 GROUP BY lease_owner',
        [now],
      )) at(r.owner).deliveries = r.n;
      for (const r of await schema.query<{ owner: string }>('SELECT lease_owner AS owner FROM webhooks WHERE lease_owner IS NOT NULL AND lease_until > $1', [now])) {
        at(r.owner).webhooks++;
      }
      return out;
    };
    // Kill the worker that holds the endpoint and deliveries, once a good part is accepted.
    let victim: TxmailProcess | undefined;
    const deadline = Date.now() + 60_000;
    while (!victim) {
      if (load.accepted.size >= TOTAL * 0.3) {
        const h = await held();
        victim = workers.find((w) => (h.get(w.child.pid!)?.webhooks ?? 0) === 1 && (h.get(w.child.pid!)?.deliveries ?? 0) >= 10);
      }
      if (Date.now() > deadline) assert.fail(`no worker held the endpoint and deliveries under load (accepted ${load.accepted.size})`);
      if (!victim) await new Promise((r) => setTimeout(r, 20));
    }
    const pid = victim.child.pid!;
    await victim.kill('SIGKILL');
    const killedAt = Date.now();
    const atKill = (await held()).get(pid) ?? { deliveries: 0, webhooks: 0 };
    assert.ok(atKill.deliveries > 0, 'the dead worker left deliveries under lease');
    const deliveredAtKill = sink.messages.length;

    // Restarted at once, as a supervisor would; the api process keeps accepting meanwhile.
    const restart = Date.now();
    const again = await start('w1-again', config, 'worker');
    await load.done;
    const takeovers = () =>
      [...workers.filter((w) => w !== victim), again]
        .flatMap((w) => w.logs.map((l) => JSON.parse(l) as { msg?: string; workers?: string[]; deliveries?: number; webhooks?: number }))
        .filter((l) => l.msg === 'took over the leases of dead workers');
    const r = await waitForRecovery({ sink, rx, path: '/hook', hostname, accepted: load.accepted, since: restart, boundMs: 60_000 }).catch(async (e: unknown) => {
      const hooks = await schema.query('SELECT lease_owner, lease_until, lease_token, next_attempt_at, failures, last_error, cursor FROM webhooks');
      const logs = [api, ...workers, again].flatMap((p) => p.logs).slice(-20);
      throw new Error(`${String(e)}; at ${Date.now()}: takeovers ${JSON.stringify(takeovers())}, endpoint ${JSON.stringify(hooks)}, last logs ${logs.join('\n')}`);
    });
    const takers = takeovers();
    console.log(
      `# crash recovery (postgres, 1 api + 2 workers, default leases): accepted ${load.accepted.size} (cut ${load.cut()}), ${deliveredAtKill} at the sink at the kill; ` +
        `the killed worker held ${atKill.deliveries} deliveries and ${atKill.webhooks} endpoint under lease; restarted ${((restart - killedAt) / 1000).toFixed(1)} s after the kill; ` +
        `after the restart every message delivered in ${(r.deliveredMs / 1000).toFixed(1)} s and its events posted in ${(r.eventsMs / 1000).toFixed(1)} s; ` +
        `${r.duplicates} duplicates; takeovers ${JSON.stringify(takers.map((t) => ({ at: `${(((t as { time?: number }).time ?? 0) - killedAt) / 1000} s after the kill`, deliveries: t.deliveries, webhooks: t.webhooks })))}`,
    );
    assert.ok(
      takers.some((t) => t.workers?.some((w) => pidOf(w) === pid)),
      'a live worker took the dead one’s leases over (its heartbeat went stale)',
    );
    assert.ok(r.duplicates <= atKill.deliveries, 'a duplicate was under lease at the kill');
  });
}
