// Webhook delivery survives SIGKILL: txmail is killed while it is sending batches to a slow
// receiver, restarted on the same data, and every event of the feed must still arrive.
// Duplicates are allowed (the batch in flight at the kill is sent again) and must carry the
// same event id with the same content.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { spawnTxmail, type TxmailProcess } from '../support/process.js';
import { startSink, type Sink } from '../support/sink.js';
import { startReceiver, waitUntil, type Receiver } from '../support/webhook-receiver.js';

const dir = mkdtempSync(join(tmpdir(), 'txmail-hook-kill-'));
let sink: Sink | undefined;
let rx: Receiver | undefined;
let proc: TxmailProcess | undefined;
after(async () => {
  await proc?.kill('SIGKILL');
  await sink?.close();
  await rx?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Ev {
  id: string;
  type: string;
  message_id: string;
  recipient: string;
  at: string;
}

test('SIGKILL while webhooks are being sent loses no event; resent ones keep their ids', async () => {
  // Slow answers, so the kill lands while batches are in flight.
  rx = await startReceiver(() => ({ status: 200, delayMs: 40 }));
  sink = await startSink({ tls: 'none' });
  const config = {
    data_dir: join(dir, 'data'),
    hostname: 'kill.txmail.test',
    log: { level: 'warn' },
    delivery: { allow_private_targets: true, routes: [{ match: '*', host: '127.0.0.1', port: sink.port, tls: 'none' }] },
    worker: { lease_s: 2, poll_ms: 100 },
    // A short endpoint lease, so the restarted process takes the dead one's endpoint over soon.
    webhooks: { allow_private_targets: true, poll_ms: 50, lease_s: 2, timeout_s: 1 },
  };
  proc = await spawnTxmail(dir, config);
  const key = proc.adminKey;
  assert.ok(key);
  const api = async (path: string, body?: unknown): Promise<Record<string, unknown>> => {
    const res = await fetch(`${proc!.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return (await res.json()) as Record<string, unknown>;
  };
  const hook = await api('/v1/webhooks', { url: rx.url('/hook'), batch_size: 5 });
  assert.match(hook.id as string, /^wh_/);

  const send = async (from: number, n: number): Promise<void> => {
    let next = from;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < from + n) {
          const i = next++;
          const r = await api('/v1/messages', { from: 's@sender.test', to: `u${i}@d${i % 3}.test`, subject: `m${i}`, text: 'x' });
          assert.match(r.id as string, /^msg_/);
        }
      }),
    );
  };
  const received = (): Ev[] => rx!.postsTo('/hook').flatMap((p) => (JSON.parse(p.body) as { events: Ev[] }).events);

  await send(0, 150);
  await waitUntil('dispatch to be under way', () => received().length >= 60, 60_000);
  const before = new Set(received().map((e) => e.id)).size;
  await proc.kill('SIGKILL');
  assert.ok(before < 300, `killed mid-dispatch (${before} of the first 300 events had arrived)`);

  proc = await spawnTxmail(dir, config);
  await send(150, 50);
  const feed: Ev[] = [];
  await waitUntil('every delivery to finish', async () => {
    feed.length = 0;
    let cursor = '';
    for (;;) {
      const page = await api(`/v1/events?limit=1000${cursor ? `&after=${cursor}` : ''}`);
      feed.push(...(page.events as Ev[]));
      cursor = page.next_cursor as string;
      if ((page.events as Ev[]).length < 1000) break;
    }
    return feed.filter((e) => e.type === 'delivered').length === 200;
  }, 120_000);
  assert.equal(feed.length, 400);

  const wanted = new Set(feed.map((e) => e.id));
  await waitUntil('every event at the receiver', () => [...wanted].every((id) => received().some((e) => e.id === id)), 120_000, () => {
    const got = new Set(received().map((e) => e.id));
    return `${[...wanted].filter((id) => !got.has(id)).length} missing`;
  });
  const seen = new Map<string, Ev>();
  let duplicates = 0;
  for (const e of received()) {
    const first = seen.get(e.id);
    if (first) {
      duplicates++;
      assert.deepEqual(e, first, `a resent event ${e.id} is the same event`);
    } else seen.set(e.id, e);
  }
  const byId = new Map(feed.map((e) => [e.id, e]));
  for (const [id, e] of seen) assert.deepEqual([e.type, e.message_id, e.recipient], [byId.get(id)!.type, byId.get(id)!.message_id, byId.get(id)!.recipient]);
  console.log(`# webhook durability: ${feed.length} events, ${before} had arrived before the kill, ${duplicates} duplicates after the restart`);
  await proc.kill('SIGTERM');
  proc = undefined;
});
