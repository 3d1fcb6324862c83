// Connection slots on SQLite: two workers in one process share one store (and its slots), so a
// destination's limit holds for both together, through the same Store verbs as on PostgreSQL.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createLogger } from '../../src/lib/logger.js';
import { systemClock } from '../../src/queue/ports.js';
import { createWorkerRole } from '../../src/worker.js';
import { startSink } from '../support/sink.js';
import { sinkRoute, startTxmail } from '../support/harness.js';

const cleanup: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

test('two workers on one store keep a destination within its limit together', async () => {
  const sink = await startSink({ tls: 'none', replyDelayMs: 20 });
  cleanup.push(() => sink.close());
  // An injected clock keeps the first worker on this thread, on the store's own connection.
  const h = await startTxmail(
    {
      'delivery.routes': [sinkRoute(sink.port, '*', 'none')],
      'delivery.destinations': [{ match: 'busy.test', max_connections: 2 }],
      'delivery.idle_connection_s': 0.05,
    },
    { clock: systemClock },
  );
  cleanup.push(() => h.close());
  const second = createWorkerRole({ ...h.app.config, hostname: 'second.txmail.test' }, h.app.store, createLogger('silent'));
  await second.start();
  cleanup.push(() => second.stop());
  const ids: string[] = [];
  for (let burst = 0; burst < 3; burst++) {
    const sent = await Promise.all(
      Array.from({ length: 20 }, (_, i) => h.post('/v1/messages', { from: 'app@sender.test', to: `r${burst}.${i}@busy.test`, subject: 'slots', text: 'hi' })),
    );
    for (const r of sent) ids.push(r.body.id as string);
    second.wake();
    await sink.waitFor((burst + 1) * 20, 15_000);
    await new Promise((r) => setTimeout(r, 150));
  }
  for (const id of ids) await h.waitForStates(id, ['delivered']);
  const byWorker = new Map<string, number>();
  for (const m of sink.messages) byWorker.set(m.heloName, (byWorker.get(m.heloName) ?? 0) + 1);
  assert.equal(sink.messages.length, 60);
  assert.ok(sink.connections.maxConcurrent <= 2, `the sink saw ${sink.connections.maxConcurrent} connections at once; by worker ${JSON.stringify([...byWorker])}`);
});
