// Many processes on one PostgreSQL: one API process and three workers, started at the same time
// on an empty schema (migrations and the first tenant race), 10,000 messages to four sink
// domains, one worker SIGKILLed in the middle. Every accepted message must arrive; a message may
// arrive twice only if the killed worker had it in flight, and then it is flagged
// possible_duplicate. The sinks count concurrent connections: the per-destination limit holds for
// the whole cluster. Each test runs in a schema of its own.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startBenchSink, type BenchSink } from '../../bench/sink.js';
import { postgresOrSkip, testSchema, type TestSchema } from '../support/pg.js';
import { spawnTxmail, type TxmailProcess } from '../support/process.js';

const TOTAL = 10_000;
const DOMAINS = 4;
const PER_DESTINATION = 4;
const CONCURRENCY = 32;

const dir = mkdtempSync(join(tmpdir(), 'txmail-cluster-'));
const cleanup: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

/** Keep-alive HTTP posts; fetch would open and close far more sockets at this rate. */
function poster(url: string, key: string): { post(body: unknown): Promise<{ status: number; body: string }>; close(): void } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const { hostname, port } = new URL(url);
  return {
    post: (body) =>
      new Promise((resolve, reject) => {
        const payload = JSON.stringify(body);
        const req = http.request(
          {
            host: hostname,
            port,
            path: '/v1/messages',
            method: 'POST',
            agent,
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
          },
        );
        req.on('error', reject);
        req.end(payload);
      }),
    close: () => agent.destroy(),
  };
}

function baseConfig(schema: TestSchema, routes: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    database_url: schema.url,
    database_pool_size: 4,
    hostname: 'cluster.txmail.test',
    log: { level: 'warn' },
    delivery: { allow_private_targets: true, routes, idle_connection_s: 0.5, max_connections_per_destination: PER_DESTINATION },
    // Short leases so the killed worker's deliveries and connection slots come back quickly; the
    // slot lease still long enough that a worker stalled by this busy machine keeps its slots.
    worker: { lease_s: 4, slot_lease_s: 8, poll_ms: 100 },
    ...extra,
  };
}

async function start(name: string, config: Record<string, unknown>, role: 'api' | 'worker'): Promise<TxmailProcess> {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  const p = await spawnTxmail(d, { ...config, role }, {}, { wait: role === 'api' });
  cleanup.push(() => p.kill('SIGTERM'));
  return p;
}

/** The one admin key printed by whichever process won the first start. */
async function adminKey(procs: readonly TxmailProcess[]): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const keys = procs.map((p) => p.adminKey).filter((k) => k !== undefined);
    if (keys.length > 0) {
      await new Promise((r) => setTimeout(r, 500)); // a second printer would show up by now
      const again = procs.map((p) => p.adminKey).filter((k) => k !== undefined);
      assert.equal(again.length, 1, 'exactly one process created the first tenant');
      return again[0]!;
    }
    const dead = procs.find((p) => p.child.exitCode !== null);
    if (dead) assert.fail(`a process exited during a concurrent first start: ${dead.stderr}`);
    if (Date.now() > deadline) assert.fail('no process printed an admin key');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const skip = await postgresOrSkip('cluster tests on PostgreSQL');
if (skip === undefined) {
  test(`1 API + 3 workers on PostgreSQL, ${TOTAL} messages, one worker SIGKILLed: none lost, duplicates bounded`, { timeout: 300_000 }, async () => {
    const schema = await testSchema();
    cleanup.push(() => schema.drop());
    const sinks: BenchSink[] = [];
    for (let i = 0; i < DOMAINS; i++) {
      const s = await startBenchSink(0, '127.0.0.1', { record: true });
      cleanup.push(() => s.close());
      sinks.push(s);
    }
    const routes = sinks.map((s, i) => ({ match: `d${i}.cluster.test`, host: '127.0.0.1', port: s.port, tls: 'none' }));
    const config = baseConfig(schema, routes);
    const t0 = Date.now();
    // All four at once on an empty schema: migrations and the first tenant race.
    const [api, ...workers] = await Promise.all([
      start('api', config, 'api'),
      start('w1', config, 'worker'),
      start('w2', config, 'worker'),
      start('w3', config, 'worker'),
    ]);
    const key = await adminKey([api!, ...workers]);
    const client = poster(api!.url, key);
    cleanup.push(async () => client.close());

    // Every tenth message is scheduled a few seconds ahead: released once, by whichever worker.
    const accepted = new Set<string>();
    const scheduled = new Set<string>();
    let next = 0;
    const load = Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < TOTAL) {
          const i = next++;
          const to = `u${i}@d${i % DOMAINS}.cluster.test`;
          const sendAt = i % 10 === 0 ? new Date(Date.now() + 3000).toISOString() : undefined;
          const res = await client.post({ from: 'app@sender.test', to, subject: `cluster ${i}`, text: `message ${i}`, ...(sendAt ? { send_at: sendAt } : {}) });
          assert.equal(res.status, 202, res.body);
          accepted.add(to);
          if (sendAt) scheduled.add(to);
        }
      }),
    );
    const delivered = (): number => sinks.reduce((n, s) => n + s.stats().messages, 0);

    // Once deliveries are well under way, while the load still runs, kill the worker holding the
    // most leases (a worker refused every connection slot gives its work back, so one may hold none).
    while (delivered() < TOTAL * 0.3 && next < TOTAL) await new Promise((r) => setTimeout(r, 10));
    const heldBy = async (): Promise<Map<number, number>> => {
      const rows = await schema.query<{ owner: string; n: number }>(
        'SELECT lease_owner AS owner, count(*)::int AS n FROM deliveries WHERE lease_owner IS NOT NULL AND next_attempt_at IS NOT NULL GROUP BY lease_owner',
      );
      // The owner is host:pid:random (src/worker.ts).
      return new Map(rows.map((r) => [Number(r.owner.split(':').at(-2)), r.n]));
    };
    let leases = await heldBy();
    for (let i = 0; i < 100 && leases.size === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      leases = await heldBy();
    }
    const victim = [...workers].sort((a, b) => (leases.get(b.child.pid!) ?? 0) - (leases.get(a.child.pid!) ?? 0))[0]!;
    const pid = victim.child.pid!;
    const deliveredAtKill = delivered();
    await victim.kill('SIGKILL');
    // What the dead worker held: claimed, no outcome recorded. Read before its leases run out.
    const heldAtKill = (await heldBy()).get(pid) ?? 0;
    assert.ok(heldAtKill > 0, 'the killed worker had work in hand');
    await load;
    const tAccepted = Date.now();
    assert.equal(accepted.size, TOTAL);

    // Every accepted message arrives (the dead worker's after its leases expire).
    const deadline = Date.now() + 180_000;
    const received = (): Map<string, number> => {
      const all = new Map<string, number>();
      for (const s of sinks) for (const [r, n] of s.received()) all.set(r, n);
      return all;
    };
    let missing: string[] = [];
    for (;;) {
      const got = received();
      missing = [...accepted].filter((a) => !got.has(a));
      if (missing.length === 0) break;
      if (Date.now() > deadline) assert.fail(`${missing.length} accepted messages never arrived, e.g. ${missing.slice(0, 3).join(', ')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const tDelivered = Date.now();
    const got = received();
    const dupes = [...got].filter(([, n]) => n > 1);
    const duplicates = dupes.reduce((sum, [, n]) => sum + n - 1, 0);
    const unexpected = [...got.keys()].filter((r) => !accepted.has(r));
    assert.deepEqual(unexpected, [], 'nothing arrives that was not accepted');

    // The store agrees: all delivered, and every duplicate is one the store flagged.
    const states = await schema.query<{ state: string; n: number }>('SELECT state, count(*)::int AS n FROM deliveries GROUP BY state');
    assert.deepEqual(states, [{ state: 'delivered', n: TOTAL }]);
    const flagged = new Set((await schema.query<{ recipient: string }>('SELECT lower(recipient) AS recipient FROM deliveries WHERE possible_duplicate')).map((r) => r.recipient));
    for (const [r] of dupes) assert.ok(flagged.has(r), `${r} arrived twice but was not flagged possible_duplicate`);
    const scheduledDupes = dupes.filter(([r]) => scheduled.has(r)).length;

    // Group commit under cluster load: acceptances per transaction.
    const [gc] = await schema.query<{ messages: number; txs: number }>(
      `SELECT count(*)::int AS messages, count(DISTINCT txid)::int AS txs FROM events WHERE type = 'queued'`,
    );
    const maxConcurrent = sinks.map((s) => s.maxConcurrent());
    const warnings = (what: RegExp): number => [api!, ...workers].reduce((n, p) => n + p.logs.filter((l) => what.test(l)).length, 0);
    console.log(
      `# cluster: accepted ${accepted.size} in ${((tAccepted - t0) / 1000).toFixed(1)} s, all delivered after ${((tDelivered - t0) / 1000).toFixed(1)} s; ` +
        `killed a worker at ${deliveredAtKill} delivered, holding ${heldAtKill} leases; duplicates ${duplicates} (scheduled among them ${scheduledDupes}), ` +
        `flagged possible_duplicate ${flagged.size}; acceptance: ${gc!.messages} messages in ${gc!.txs} transactions (${(gc!.messages / gc!.txs).toFixed(1)} per commit); ` +
        `max concurrent connections per destination ${maxConcurrent.join('/')} (limit ${PER_DESTINATION}); ` +
        `workers logged ${warnings(/connection slot lost/)} lost slots, ${warnings(/leases lost/)} lost-lease renewals`,
    );
    // A duplicate needs the dead worker to have sent it without recording it: bounded by what it
    // held, and by the connections it could have had open (one transaction in flight each).
    assert.ok(duplicates <= heldAtKill, `duplicates ${duplicates} <= held by the killed worker ${heldAtKill}`);
    assert.ok(duplicates <= DOMAINS * PER_DESTINATION, `duplicates ${duplicates} <= connections in flight ${DOMAINS * PER_DESTINATION}`);
    assert.ok(gc!.txs < gc!.messages, 'acceptances share commits');
    for (const m of maxConcurrent) assert.ok(m <= PER_DESTINATION, `a sink saw ${m} concurrent connections (limit ${PER_DESTINATION})`);
    for (const w of workers.filter((w) => w !== victim)) assert.equal(w.child.exitCode, null, `the other workers keep running: ${w.stderr}`);
  });

  test('two workers with a per-destination limit of 2: the sink never sees more than 2 connections at once', { timeout: 180_000 }, async () => {
    const { startSink } = await import('../support/sink.js');
    const schema = await testSchema();
    cleanup.push(() => schema.drop());
    // Slow replies keep sessions long, and short idle times make them end and start again often,
    // so the two workers keep competing for the two slots.
    const sink = await startSink({ tls: 'none', replyDelayMs: 5 });
    cleanup.push(() => sink.close());
    const routes = [{ match: '*', host: '127.0.0.1', port: sink.port, tls: 'none' }];
    const config = baseConfig(schema, routes, {});
    const limited = { ...config, delivery: { ...(config.delivery as object), idle_connection_s: 0.1, destinations: [{ match: 'limit.test', max_connections: 2 }] } };
    const api = await start('limit-api', limited, 'api');
    const w1 = await start('limit-w1', { ...limited, hostname: 'w1.cluster.test' }, 'worker');
    const w2 = await start('limit-w2', { ...limited, hostname: 'w2.cluster.test' }, 'worker');
    const key = await adminKey([api, w1, w2]);
    const client = poster(api.url, key);
    cleanup.push(async () => client.close());
    const N = 400;
    // Bursts with pauses longer than the idle time: connections close and both workers race again.
    for (let burst = 0; burst < 4; burst++) {
      await Promise.all(
        Array.from({ length: N / 4 }, async (_, i) => {
          const res = await client.post({ from: 'app@sender.test', to: `r${burst}.${i}@limit.test`, subject: 'limit', text: 'hello' });
          assert.equal(res.status, 202, res.body);
        }),
      );
      await sink.waitFor((burst + 1) * (N / 4), 60_000);
      await new Promise((r) => setTimeout(r, 300));
    }
    const byWorker = new Map<string, number>();
    for (const m of sink.messages) byWorker.set(m.heloName, (byWorker.get(m.heloName) ?? 0) + 1);
    console.log(
      `# limit 2: ${sink.messages.length} messages over ${sink.connections.total} connections, at most ${sink.connections.maxConcurrent} at once; ` +
        `by worker ${JSON.stringify(Object.fromEntries(byWorker))}`,
    );
    assert.equal(sink.messages.length, N);
    assert.ok(sink.connections.maxConcurrent <= 2, `the sink saw ${sink.connections.maxConcurrent} concurrent connections`);
  });
}
