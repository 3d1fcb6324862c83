// The conformance suite against PostgreSQL, plus what only PostgreSQL can get wrong: the feed's
// commit order across connections, concurrent migrations, group commit, idempotency across pools.
// Each store lives in its own schema (txmail_test_<random>), dropped after the file, so parallel
// runs never collide. PostgreSQL unreachable: the file is skipped, unless REQUIRE_POSTGRES=1.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { message } from '../conformance/fixtures.js';
import { describeCluster } from '../conformance/cluster.js';
import { describeDeliverability } from '../conformance/deliverability.js';
import { describeDomainOwnership } from '../conformance/domain-ownership.js';
import { describeEngagementStore } from '../conformance/engagement.js';
import { describeLiveness } from '../conformance/liveness.js';
import { describeRetention } from '../conformance/retention.js';
import { describeMetricsSnapshot } from '../conformance/metrics.js';
import { describeSlots } from '../conformance/slots.js';
import { describeStatsScale, describeStatsStore } from '../conformance/stats.js';
import { describeStore } from '../conformance/suite.js';
import { describeTemplates } from '../conformance/templates.js';
import { describeWebhookStore } from '../conformance/webhooks.js';
import type { Store } from '../store.js';
import { openPostgresStore } from './index.js';
import { MIGRATIONS } from './migrations/index.js';
import { CANONICAL_AFTER_0008, OLD_SPELLINGS } from '../conformance/canonical-addresses.js';
import { PgDb } from './pool.js';

const URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const T0 = 1_700_000_000_000;
// Generous: on a loaded machine, other test processes' transactions on the same cluster can stay
// open for a while and hold the feed's horizon back (read.ts). Costs nothing when none are open.
const FEED_WAIT_MS = 5000;

async function unreachable(): Promise<string | undefined> {
  const c = new pg.Client({ connectionString: URL, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return undefined;
  } catch (e) {
    return `PostgreSQL at ${URL} is not reachable: ${e instanceof Error ? e.message : String(e)}`;
  } finally {
    await c.end().catch(() => undefined);
  }
}

const schemas: string[] = [];
const newSchema = (): string => {
  const s = `txmail_test_${randomBytes(6).toString('hex')}`;
  schemas.push(s);
  return s;
};

/** A migrated store with two tenants in a fresh schema; closed by the caller. */
async function openStore(schema = newSchema()): Promise<Store> {
  const s = await openPostgresStore(URL, { schema, poolSize: 6, feedWaitMs: FEED_WAIT_MS });
  await s.migrate();
  return s;
}

/** A plain connection on the store's schema, to hold transactions open beside the store. */
async function rawClient(schema: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: URL, options: `-c search_path=${schema}` });
  await c.connect();
  return c;
}

const skipReason = await unreachable();
if (skipReason !== undefined && process.env.REQUIRE_POSTGRES === '1') {
  test('PostgreSQL is required (REQUIRE_POSTGRES=1)', () => assert.fail(skipReason));
} else if (skipReason !== undefined) {
  console.log(`# skipping the PostgreSQL store tests: ${skipReason}`);
  test('PostgreSQL store', { skip: skipReason }, () => undefined);
} else {
  after(async () => {
    const c = new pg.Client({ connectionString: URL });
    await c.connect();
    for (const s of schemas) await c.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
    await c.end();
  });

  const factory = { open: () => openPostgresStore(URL, { schema: newSchema(), poolSize: 6, feedWaitMs: FEED_WAIT_MS }) };
  describeStore('postgres', factory);
  describeWebhookStore('postgres', factory);
  describeEngagementStore('postgres', factory);
  describeStatsStore('postgres', factory);
  describeStatsScale('postgres', factory);
  describeDeliverability('postgres', factory);
  describeDomainOwnership('postgres', factory);
  describeTemplates('postgres', factory);
  describeSlots('postgres', factory);
  describeCluster('postgres', factory);
  describeLiveness('postgres', factory);
  describeRetention('postgres', factory);
  describeMetricsSnapshot('postgres', factory);

  describe('PostgreSQL specifics', () => {
    test('int8 columns come back as numbers; ?schema= in the URL selects the schema', async () => {
      const schema = newSchema();
      const s = await openPostgresStore(`${URL}?schema=${schema}`);
      try {
        await s.migrate();
        await s.createTenant({ id: 'ten_a', name: 'a', createdAt: T0 });
        assert.deepEqual(await s.getTenant('ten_a'), { id: 'ten_a', name: 'a', createdAt: T0, settings: {} });
        const c = await rawClient(schema);
        const r = await c.query<{ n: string }>('SELECT count(*)::text AS n FROM tenants');
        await c.end();
        assert.equal(r.rows[0]?.n, '1');
      } finally {
        await s.close();
      }
    });

    test('processes migrating at once apply each migration exactly once', async () => {
      const schema = newSchema();
      const stores = await Promise.all(Array.from({ length: 4 }, () => openPostgresStore(URL, { schema, poolSize: 2 })));
      try {
        await Promise.all(stores.map((s) => s.migrate()));
        const c = await rawClient(schema);
        const r = await c.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
        await c.end();
        assert.deepEqual(r.rows.map((x) => x.version), MIGRATIONS.map((m) => m.version));
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    });

    test('a migration with a lower version merged later is still applied (gaps are fine)', async () => {
      const schema = newSchema();
      const db = new PgDb(URL, { schema, poolSize: 1 });
      const m = (version: number) => ({ version, name: `m${version}`, sql: `CREATE TABLE t${version} (x int)` });
      try {
        await db.migrate([m(1), m(5)]);
        await db.migrate([m(5), m(2), m(1)]);
        const rows = await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
        assert.deepEqual(rows.map((r) => r.version), [1, 2, 5]);
        assert.deepEqual(await db.query('SELECT * FROM t2'), []);
      } finally {
        await db.close();
      }
    });

    test('migration 0008 respells stored suppressions canonically, keeping one row per address', async () => {
      const schema = newSchema();
      const db = new PgDb(URL, { schema, poolSize: 1 });
      try {
        await db.migrate(MIGRATIONS.filter((m) => m.version < 8));
        for (const [t, a] of OLD_SPELLINGS) {
          await db.query("INSERT INTO suppressions (tenant_id, address, reason, source_message_id, created_at) VALUES ($1, $2, 'manual', NULL, 1)", [t, a]);
        }
        await db.migrate();
        const rows = await db.query<{ tenant_id: string; address: string }>('SELECT tenant_id, address FROM suppressions ORDER BY tenant_id, address COLLATE "C"');
        assert.deepEqual(rows.map((r) => [r.tenant_id, r.address]), CANONICAL_AFTER_0008);
      } finally {
        await db.close();
      }
    });

    test('stores in separate pools (processes) share the connection limit, the first start and scheduled releases', async () => {
      const schema = newSchema();
      const stores = [await openStore(schema), await openStore(schema), await openStore(schema)];
      try {
        const firsts = await Promise.all(
          stores.map((s, i) =>
            s.createFirstTenant({ id: `ten_${i}`, name: 'default', createdAt: T0 }, { id: `k${i}`, tenantId: `ten_${i}`, name: 'admin', hash: 'ab'.repeat(32), scopes: ['admin'], createdAt: T0, revokedAt: null }),
          ),
        );
        assert.equal(firsts.filter(Boolean).length, 1, 'one first start wins');
        const tenantId = (await stores[0]!.listTenants())[0]!.id;

        const slots = await Promise.all(
          stores.flatMap((s, i) => [0, 1, 2].map((j) => s.acquireSlot({ domain: 'x.test', owner: `w${i}.${j}`, limit: 2, now: T0, leaseMs: 10_000 }))),
        );
        assert.equal(slots.filter((x) => x !== undefined).length, 2, 'nine racing connections, limit 2');

        const at = T0 + 60_000;
        const msgs = Array.from({ length: 40 }, (_, i) => message(tenantId, T0, [`r${i}@x.test`], { sendAt: at }));
        await stores[0]!.acceptMessages({ tenantId, messages: msgs, now: T0 });
        const claims = await Promise.all(stores.flatMap((s, i) => [0, 1].map((j) => s.claimDue({ owner: `w${i}.${j}`, now: at, leaseMs: 10_000, limit: 15, excludeDomains: [] }))));
        const ids = claims.flat().map((d) => d.id);
        assert.equal(ids.length, 40);
        assert.equal(new Set(ids).size, 40, 'each scheduled delivery released once');
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    });

    test('concurrent acceptances share one transaction (group commit)', async () => {
      const schema = newSchema();
      const s = await openStore(schema);
      try {
        await s.createTenant({ id: 'ten_a', name: 'a', createdAt: T0 });
        const outs = await Promise.all(Array.from({ length: 50 }, (_, i) => s.acceptMessages({ tenantId: 'ten_a', messages: [message('ten_a', T0, [`r${i}@x.test`])], now: T0 })));
        assert.ok(outs.every((o) => o.kind === 'accepted'));
        const c = await rawClient(schema);
        const r = await c.query<{ n: number }>('SELECT count(DISTINCT txid)::int AS n FROM events');
        await c.end();
        assert.ok(r.rows[0]!.n <= 2, `50 acceptances took ${r.rows[0]!.n} transactions`);
      } finally {
        await s.close();
      }
    });

    test('one idempotency key used from two processes at once: one acceptance, one replay or conflict', async () => {
      const schema = newSchema();
      const [a, b] = [await openStore(schema), await openStore(schema)];
      try {
        await a.createTenant({ id: 'ten_a', name: 'a', createdAt: T0 });
        for (const [i, hashB] of [['1', 'h'], ['2', 'other']] as const) {
          const idem = { key: `k${i}`, requestHash: 'h', expiresAt: T0 + 1000 };
          const [x, y] = await Promise.all([
            a.acceptMessages({ tenantId: 'ten_a', messages: [message('ten_a', T0, ['a@x.test'])], idempotency: idem, now: T0 }),
            b.acceptMessages({ tenantId: 'ten_a', messages: [message('ten_a', T0, ['a@x.test'])], idempotency: { ...idem, requestHash: hashB }, now: T0 }),
          ]);
          const kinds = [x.kind, y.kind].sort();
          assert.deepEqual(kinds, hashB === 'h' ? ['accepted', 'replayed'] : ['accepted', 'idempotency_conflict']);
        }
        assert.equal((await a.listEvents('ten_a', undefined, 10)).events.length, 2, 'one message per key was written');
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });

    test('the feed neither skips nor repeats an event whose transaction commits late', async () => {
      const schema = newSchema();
      const s = await openStore(schema);
      // Answers at once instead of waiting for the open transaction, to observe the horizon.
      const impatient = await openPostgresStore(URL, { schema, poolSize: 1, feedWaitMs: 0 });
      const slow = await rawClient(schema);
      const early = await rawClient(schema);
      const insert = (c: pg.Client, type: string): Promise<unknown> =>
        c.query(`INSERT INTO events (tenant_id, type, message_id, at, data) VALUES ('ten_a', $1, 'm', 0, '{}')`, [type]);
      const seen: string[] = [];
      let cursor: string | undefined;
      const read = async (from: Store): Promise<void> => {
        const page = await from.listEvents('ten_a', cursor, 100);
        seen.push(...page.events.map((e) => (e.type === 'opened' ? String(e.data['n']) : e.type)));
        cursor = page.cursor;
      };
      try {
        await s.createTenant({ id: 'ten_a', name: 'a', createdAt: T0 });
        await s.appendEvents('ten_a', [{ type: 'opened', messageId: 'm', at: 0, data: { n: 'before' } }]);
        await read(s);
        // `early` takes its transaction id first but writes last; `slow` writes an event (a lower
        // event id than the store's next one) and stays open while the store commits another.
        await early.query('BEGIN');
        await early.query('SELECT pg_current_xact_id()');
        await slow.query('BEGIN');
        await insert(slow, 'slow');
        await insert(early, 'early');
        await early.query('COMMIT');
        await s.appendEvents('ten_a', [{ type: 'opened', messageId: 'm', at: 0, data: { n: 'after' } }]);
        await read(impatient);
        assert.ok(!seen.includes('slow') && !seen.includes('after'), 'nothing at or after the open transaction is shown yet');
        await slow.query('COMMIT');
        await read(s);
        await read(s);
        assert.deepEqual(seen, ['before', 'early', 'slow', 'after'], 'the late commit is delivered once, in (txid, id) order');
      } finally {
        await slow.query('ROLLBACK').catch(() => undefined);
        await Promise.all([slow.end(), early.end(), impatient.close(), s.close()]);
      }
    });

    test('listEvents waits briefly for an older transaction so that committed events are not held back', async () => {
      const schema = newSchema();
      const s = await openStore(schema);
      const slow = await rawClient(schema);
      try {
        await s.createTenant({ id: 'ten_a', name: 'a', createdAt: T0 });
        await slow.query('BEGIN');
        await slow.query('SELECT pg_current_xact_id()');
        await s.appendEvents('ten_a', [{ type: 'opened', messageId: 'm', at: 0, data: {} }]);
        const page = s.listEvents('ten_a', undefined, 10);
        setTimeout(() => void slow.query('COMMIT'), 50);
        assert.equal((await page).events.length, 1);
      } finally {
        await Promise.all([slow.end(), s.close()]);
      }
    });
  });

  test('postgres 0007: verified domains become owned, unverified ones pending; keys keep their domain', async () => {
    const schema = newSchema();
    const setup = new pg.Client({ connectionString: URL });
    await setup.connect();
    await setup.query(`CREATE SCHEMA "${schema}"`);
    await setup.end();
    const c = await rawClient(schema);
    try {
      await c.query('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
      for (const m of MIGRATIONS.filter((x) => x.version < 7)) {
        await c.query(m.sql);
        await c.query('INSERT INTO schema_migrations VALUES ($1, $2, 0)', [m.version, m.name]);
      }
      await c.query(`INSERT INTO sending_domains (name, tenant_id, created_at, dkim, verified_at) VALUES ('old.test', 'ten_a', 1, 'rsa', 500), ('new.test', 'ten_b', 1, 'rsa', NULL)`);
      await c.query(`INSERT INTO dkim_keys (id, domain, selector, algorithm, public_key, private_key_sealed, created_at, activated_at)
                     VALUES ('k1', 'old.test', 's1', 'rsa-sha256', 'p', 'x', 1, 1), ('k2', 'new.test', 's1', 'rsa-sha256', 'p', 'x', 1, 1)`);
    } finally {
      await c.end();
    }
    const s = await openStore(schema);
    try {
      const old = await s.getDomain('ten_a', 'old.test');
      const pending = await s.getDomain('ten_b', 'new.test');
      assert.deepEqual([old?.ownedAt, old?.keys.map((k) => k.id)], [500, ['k1']]);
      assert.deepEqual([pending?.ownedAt, pending?.keys.map((k) => k.id)], [null, ['k2']]);
      assert.equal(await s.createDomain({ ...pending!, tenantId: 'ten_a', keys: [] }), 'created');
      assert.equal(await s.createDomain({ ...old!, tenantId: 'ten_b', keys: [] }), 'taken');
      // Keys go with their claim (the rebuilt foreign key cascades).
      assert.equal(await s.deleteDomain('ten_b', 'new.test'), true);
      assert.equal((await s.getDomain('ten_a', 'new.test'))?.keys.length, 0);
    } finally {
      await s.close();
    }
  });
}
