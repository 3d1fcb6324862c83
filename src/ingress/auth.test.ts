import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openSqliteStore } from '../store/sqlite/index.js';
import { ApiKeyVerifier, KEY_CACHE_MS, mintApiKey } from './auth.js';

const dir = mkdtempSync(join(tmpdir(), 'txmail-auth-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a key revoked through the verifier is refused at once; one revoked elsewhere within the cache lifetime', async () => {
  const store = openSqliteStore(join(dir, 'a.db'));
  await store.migrate();
  try {
    await store.createTenant({ id: 'ten_a', name: 'a', createdAt: 1 });
    const a = mintApiKey('ten_a', 'a', ['send'], 1);
    const b = mintApiKey('ten_a', 'b', ['send'], 1);
    await store.createApiKey(a.record);
    await store.createApiKey(b.record);
    const verifier = new ApiKeyVerifier(store);
    const t = 1_000_000;
    assert.equal((await verifier.verify(a.key, t))?.keyId, a.record.id);
    assert.equal((await verifier.verify(b.key, t))?.keyId, b.record.id);

    // This process revokes: the very next request is refused, though the key was cached.
    assert.equal(await verifier.revoke('ten_a', a.record.id, t + 1), true);
    assert.equal(await verifier.verify(a.key, t + 2), undefined);

    // Another process revokes (straight in the store): refused once the cached entry expires.
    await store.revokeApiKey('ten_a', b.record.id, t + 1);
    assert.equal(await verifier.verify(b.key, t + KEY_CACHE_MS + 1), undefined);
  } finally {
    await store.close();
  }
});
