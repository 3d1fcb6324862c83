// Two dispatchers (two processes, in effect: each with its own store connection) share endpoints
// safely: an endpoint's batches are never in flight from both at once, and with receivers that
// always answer 2xx every event is sent exactly once. Run on SQLite, and on PostgreSQL when it is
// reachable (the cluster case of issue 6).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import pg from 'pg';
import pino from 'pino';
import { loadConfig } from '../config/load.js';
import { EVENT_TYPES } from '../domain/events/types.js';
import { openPostgresStore } from '../store/postgres/index.js';
import { openSqliteStore } from '../store/sqlite/index.js';
import type { Store } from '../store/store.js';
import { startReceiver, waitUntil } from '../../test/support/webhook-receiver.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';

const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const dir = mkdtempSync(join(tmpdir(), 'txmail-dispatch-'));
const schemas: string[] = [];
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (schemas.length === 0) return;
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  for (const s of schemas) await c.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  await c.end();
});

async function pgReachable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

const backends: Array<{ name: string; pair: () => Promise<[Store, Store]> }> = [
  {
    name: 'sqlite',
    pair: async () => {
      const file = join(dir, `${randomBytes(4).toString('hex')}.db`);
      return [openSqliteStore(file), openSqliteStore(file)];
    },
  },
];
if (await pgReachable()) {
  backends.push({
    name: 'postgres',
    pair: async () => {
      const schema = `txmail_test_${randomBytes(6).toString('hex')}`;
      schemas.push(schema);
      return [await openPostgresStore(PG_URL, { schema, poolSize: 4 }), await openPostgresStore(PG_URL, { schema, poolSize: 4 })];
    },
  });
}

for (const { name, pair } of backends) {
  test(`${name}: two dispatchers never send one endpoint's batches at once; each event goes out once`, async () => {
    const rx = await startReceiver(() => ({ status: 200, delayMs: 15 }));
    const [a, b] = await pair();
    await a.migrate();
    await b.migrate();
    const now = Date.now();
    await a.createTenant({ id: 'ten_a', name: 'a', createdAt: now });
    const paths = ['/h0', '/h1', '/h2', '/h3'];
    for (const [i, path] of paths.entries()) {
      await a.createWebhook({
        id: `wh_${i}`, tenantId: 'ten_a', url: rx.url(path), eventTypes: [...EVENT_TYPES], format: 'native', secret: 's', publicKey: null,
        batchSize: 10, description: '', enabled: true, now,
      });
    }
    const total = 300;
    for (let i = 0; i < total; i += 50) {
      await a.appendEvents('ten_a', Array.from({ length: 50 }, (_, k) => ({ type: 'opened' as const, messageId: `m${i + k}`, recipient: `r${i + k}@x.test`, at: now, data: {} })));
    }
    const config = loadConfig({ env: {}, overrides: { 'webhooks.allow_private_targets': true, 'webhooks.poll_ms': 20, 'webhooks.concurrency': 3, 'webhooks.lease_s': 30 } }).webhooks;
    const log = pino({ level: 'silent' });
    const dispatchers = [new WebhookDispatcher({ store: a, log, config }), new WebhookDispatcher({ store: b, log, config })];
    try {
      await Promise.all(dispatchers.map((d) => d.start()));
      const ids = (path: string): string[] => rx.postsTo(path).flatMap((p) => (JSON.parse(p.body) as { events: Array<{ id: string }> }).events.map((e) => e.id));
      await waitUntil('every event at every endpoint', () => paths.every((p) => new Set(ids(p)).size === total), 60_000, () => paths.map((p) => new Set(ids(p)).size).join(','));
      for (const p of paths) {
        assert.equal(rx.maxInFlight(p), 1, `${p}: one POST in flight at a time`);
        assert.equal(ids(p).length, total, `${p}: no batch sent twice`);
      }
    } finally {
      await Promise.all(dispatchers.map((d) => d.stop()));
      await Promise.all([a.close(), b.close()]);
      await rx.close();
    }
  });
}
