import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createLogger } from '../lib/logger.js';
import { deliveredOutcome, message } from '../store/conformance/fixtures.js';
import { openSqliteStore } from '../store/sqlite/index.js';
import { RetentionService } from './retention.js';

const dir = mkdtempSync(join(tmpdir(), 'txmail-retention-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const T0 = 1_700_000_000_000;
const DAY = 86_400_000;

test('the retention service purges finished messages older than its days, batch after batch', async () => {
  const store = openSqliteStore(join(dir, 'r.db'));
  await store.migrate();
  try {
    await store.createTenant({ id: 'ten_a', name: 'a', createdAt: T0 });
    const msgs = Array.from({ length: 7 }, () => message('ten_a', T0, ['a@x.test']));
    await store.acceptMessages({ tenantId: 'ten_a', messages: msgs, now: T0 });
    const claimed = await store.claimDue({ owner: 'w', now: T0, leaseMs: 1000, limit: 100, excludeDomains: [] });
    await store.recordOutcomes(claimed.map((d) => deliveredOutcome(d, T0 + 1)));
    const log = createLogger('silent');
    let now = T0 + 29 * DAY;
    const svc = new RetentionService({ days: 30, batch: 3, intervalMs: 3600_000 }, store, { now: () => now }, log);
    assert.deepEqual(await svc.runOnce(), { messages: 0, deliveries: 0, events: 0 }, 'not old enough yet');
    now = T0 + 31 * DAY;
    assert.deepEqual(await svc.runOnce(), { messages: 7, deliveries: 7, events: 14 });
    assert.equal((await store.listEvents('ten_a', undefined, 10)).events.length, 0);
  } finally {
    await store.close();
  }
});
