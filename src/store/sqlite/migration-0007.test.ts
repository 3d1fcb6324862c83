// Migration 0007 on a database with domains from before it: a verified domain becomes owned
// (it keeps sending), an unverified one a pending claim, and keys follow their domain's tenant.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SqliteDb } from './db.js';
import { openSqliteStore } from './index.js';
import { MIGRATIONS } from './migrations/index.js';

const dir = mkdtempSync(join(tmpdir(), 'txmail-m7-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('sqlite 0007: verified domains become owned, unverified ones pending; keys keep their domain', async () => {
  const path = join(dir, 'old.db');
  const db = new SqliteDb(path);
  db.migrate(MIGRATIONS.filter((m) => m.version < 7));
  const ins = db.db.prepare('INSERT INTO sending_domains (name, tenant_id, created_at, dkim, verified_at, last_check) VALUES (?, ?, 1, ?, ?, NULL)');
  ins.run('old.test', 'ten_a', 'rsa', 500);
  ins.run('new.test', 'ten_b', 'rsa', null);
  const key = db.db.prepare(
    `INSERT INTO dkim_keys (id, domain, selector, algorithm, public_key, private_key_sealed, created_at, activated_at, deactivated_at, retire_at) VALUES (?, ?, 's1', 'rsa-sha256', 'p', 'x', 1, 1, NULL, NULL)`,
  );
  key.run('k1', 'old.test');
  key.run('k2', 'new.test');
  await db.close();

  const s = openSqliteStore(path);
  try {
    await s.migrate();
    const old = await s.getDomain('ten_a', 'old.test');
    const pending = await s.getDomain('ten_b', 'new.test');
    assert.deepEqual([old?.ownedAt, old?.keys.map((k) => k.id)], [500, ['k1']]);
    assert.deepEqual([pending?.ownedAt, pending?.keys.map((k) => k.id)], [null, ['k2']]);
    // The other tenant may now claim the pending name too, not the owned one.
    assert.equal(await s.createDomain({ ...pending!, tenantId: 'ten_a', keys: [] }), 'created');
    assert.equal(await s.createDomain({ ...old!, tenantId: 'ten_b', keys: [] }), 'taken');
  } finally {
    await s.close();
  }
});
