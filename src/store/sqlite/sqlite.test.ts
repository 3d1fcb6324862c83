import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { SqliteDb } from './db.js';
import { MIGRATIONS } from './migrations/index.js';
import { CANONICAL_AFTER_0008, OLD_SPELLINGS } from '../conformance/canonical-addresses.js';
import { describeCluster } from '../conformance/cluster.js';
import { describeDeliverability } from '../conformance/deliverability.js';
import { describeDomainOwnership } from '../conformance/domain-ownership.js';
import { describeEngagementStore } from '../conformance/engagement.js';
import { describeLiveness } from '../conformance/liveness.js';
import { describeRetention } from '../conformance/retention.js';
import { describeQueueControl } from '../conformance/queue-control.js';
import { describeMetricsSnapshot } from '../conformance/metrics.js';
import { describeSlots } from '../conformance/slots.js';
import { describeStatsScale, describeStatsStore } from '../conformance/stats.js';
import { describeStore } from '../conformance/suite.js';
import { describeTemplates } from '../conformance/templates.js';
import { describeWebhookStore } from '../conformance/webhooks.js';
import { openSqliteStore } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'txmail-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

const factory = { open: async () => openSqliteStore(join(dir, `t${++n}.db`)) };
describeStore('sqlite', factory);
describeWebhookStore('sqlite', factory);
describeEngagementStore('sqlite', factory);
describeStatsStore('sqlite', factory);
describeStatsScale('sqlite', factory);
describeDeliverability('sqlite', factory);
describeDomainOwnership('sqlite', factory);
describeTemplates('sqlite', factory);
describeSlots('sqlite', factory);
describeCluster('sqlite', factory);
describeLiveness('sqlite', factory);
describeRetention('sqlite', factory);
describeQueueControl('sqlite', factory);
describeMetricsSnapshot('sqlite', factory);

test('sqlite: a migration with a lower version merged later is still applied (gaps are fine)', async () => {
  const db = new SqliteDb(join(dir, 'gaps.db'));
  const m = (version: number) => ({ version, name: `m${version}`, sql: `CREATE TABLE t${version} (x int)` });
  try {
    db.migrate([m(1), m(5)]);
    db.migrate([m(5), m(2), m(1)]);
    const rows = db.db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as Array<{ version: number }>;
    assert.deepEqual(rows.map((r) => r.version), [1, 2, 5]);
    assert.deepEqual(db.db.prepare('SELECT * FROM t2').all(), []);
  } finally {
    await db.close();
  }
});

test('sqlite: migration 0008 respells stored suppressions canonically, keeping one row per address', async () => {
  const db = new SqliteDb(join(dir, 'canonical.db'));
  try {
    db.migrate(MIGRATIONS.filter((m) => m.version < 8));
    const ins = db.db.prepare("INSERT INTO suppressions (tenant_id, address, reason, source_message_id, created_at) VALUES (?, ?, 'manual', NULL, 1)");
    for (const [t, a] of OLD_SPELLINGS) ins.run(t, a);
    db.migrate();
    const rows = db.db.prepare('SELECT tenant_id, address FROM suppressions ORDER BY tenant_id, address').all() as Array<{ tenant_id: string; address: string }>;
    assert.deepEqual(rows.map((r) => [r.tenant_id, r.address]), CANONICAL_AFTER_0008);
  } finally {
    await db.close();
  }
});
