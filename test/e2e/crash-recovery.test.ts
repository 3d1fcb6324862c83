// Recovery after a crash on the embedded store, with the default lease settings (worker.lease_s
// 300, webhooks.lease_s 60): txmail is SIGKILLed under an HTTP load while it holds deliveries and
// the webhook endpoint under lease, then restarted on the same data. The restarted process is the
// only owner of the file, so it takes its dead predecessor's leases back at start: every accepted
// message reaches the sink, and its events the webhook receiver, within 60 s of the restart (not
// when the leases would have run out, five minutes later).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { spawnTxmail, type TxmailProcess } from '../support/process.js';
import { startLoad, waitForRecovery } from '../support/recovery.js';
import { startSink, type Sink } from '../support/sink.js';
import { startReceiver, type Receiver } from '../support/webhook-receiver.js';

const TOTAL = 1500;
const dir = mkdtempSync(join(tmpdir(), 'txmail-recover-'));
let sink: Sink | undefined;
let rx: Receiver | undefined;
let proc: TxmailProcess | undefined;
after(async () => {
  await proc?.kill('SIGKILL');
  await sink?.close();
  await rx?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** What the store file says is leased right now (read beside the running or dead process). */
function leased(): { deliveries: number; webhooks: number } {
  const db = new Database(join(dir, 'data', 'txmail.db'), { readonly: true });
  try {
    const now = Date.now();
    const d = db.prepare('SELECT count(*) AS n FROM deliveries WHERE lease_owner IS NOT NULL AND next_attempt_at > ?').get(now) as { n: number };
    const w = db.prepare('SELECT count(*) AS n FROM webhooks WHERE lease_owner IS NOT NULL AND lease_until > ?').get(now) as { n: number };
    return { deliveries: d.n, webhooks: w.n };
  } finally {
    db.close();
  }
}

test('SQLite: after a SIGKILL under load, the restarted process delivers every accepted message and posts its events within 60 s, with default leases', { timeout: 240_000 }, async () => {
  // Slow-ish answers keep the endpoint's lane busy, so its lease is held at the kill.
  rx = await startReceiver(() => ({ status: 200, delayMs: 20 }));
  sink = await startSink({ tls: 'none' });
  const hostname = 'recover.txmail.test';
  // Nothing about leases, heartbeats or polling is set: the defaults are under test.
  const config = {
    data_dir: join(dir, 'data'),
    hostname,
    log: { level: 'warn' },
    delivery: { allow_private_targets: true, routes: [{ match: '*', host: '127.0.0.1', port: sink.port, tls: 'none' }] },
    webhooks: { allow_private_targets: true },
  };
  proc = await spawnTxmail(dir, config);
  const key = proc.adminKey;
  assert.ok(key, 'the first start printed an admin key');
  const res = await fetch(`${proc.url}/v1/webhooks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url: rx.url('/hook'), events: ['queued', 'delivered'] }),
  });
  assert.equal(res.status, 201, await res.text());

  const load = startLoad(proc.url, key, TOTAL, 16, (i) => `user${i}@d${i % 7}.test`);
  // Kill once a good part is accepted and the process holds deliveries and the endpoint.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const l = load.accepted.size >= TOTAL * 0.3 ? leased() : { deliveries: 0, webhooks: 0 };
    if (l.deliveries >= 10 && l.webhooks === 1) break;
    if (Date.now() > deadline) assert.fail(`never held leases under load (accepted ${load.accepted.size}, leased ${JSON.stringify(l)})`);
    await new Promise((r) => setTimeout(r, 20));
  }
  await proc.kill('SIGKILL');
  await load.done;
  const atKill = leased();
  const deliveredAtKill = sink.messages.length;
  assert.ok(atKill.deliveries > 0, 'the dead process left deliveries under lease');

  const restart = Date.now();
  proc = await spawnTxmail(dir, config);
  const r = await waitForRecovery({ sink, rx, path: '/hook', hostname, accepted: load.accepted, since: restart, boundMs: 60_000 });
  // Taken back at start, not when the dead process's heartbeat went stale (both would be in time).
  const took = proc.logs.map((l) => JSON.parse(l) as { msg?: string; why?: string; deliveries?: number; webhooks?: number }).find((l) => l.msg === 'took over the leases of dead workers');
  assert.deepEqual(took && [took.why, took.deliveries, took.webhooks], ['at start', atKill.deliveries, atKill.webhooks]);
  console.log(
    `# crash recovery (sqlite, default leases): accepted ${load.accepted.size} (cut by the kill ${load.cut()}), ${deliveredAtKill} delivered before the kill; ` +
      `the dead process held ${atKill.deliveries} deliveries and ${atKill.webhooks} endpoint under lease; after the restart every message delivered in ` +
      `${(r.deliveredMs / 1000).toFixed(1)} s and its events posted in ${(r.eventsMs / 1000).toFixed(1)} s; ${r.duplicates} duplicates`,
  );
  assert.ok(r.duplicates <= atKill.deliveries, 'a duplicate was under lease at the kill');
  await proc.kill('SIGTERM');
  proc = undefined;
});
