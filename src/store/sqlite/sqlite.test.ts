import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { SqliteDb } from './db.js';
import { describeCluster } from '../conformance/cluster.js';
import { describeDeliverability } from '../conformance/deliverability.js';
import { describeEngagementStore } from '../conformance/engagement.js';
import { describeRetention } from '../conformance/retention.js';
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
describeTemplates('sqlite', factory);
describeSlots('sqlite', factory);
describeCluster('sqlite', factory);
describeRetention('sqlite', factory);
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
