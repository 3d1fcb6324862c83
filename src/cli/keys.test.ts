import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, test } from 'node:test';
import { mintApiKey } from '../ingress/auth.js';
import { SesCredentials } from '../ingress/ses-credentials.js';
import { openSqliteStore } from '../store/sqlite/index.js';
import { sesCredentials } from './keys.js';

const dir = mkdtempSync(join(tmpdir(), 'txmail-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function output(fn: (out: NodeJS.WritableStream) => Promise<number>): Promise<{ code: number; text: string }> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const code = await fn(out);
  return { code, text: Buffer.concat(chunks).toString() };
}

test('keys ses-credentials prints the pair the SES API verifies with; a revoked key has none', async () => {
  const store = openSqliteStore(join(dir, 'a.db'));
  await store.migrate();
  await store.createTenant({ id: 'ten_a', name: 'a', createdAt: 1 });
  const { record } = mintApiKey('ten_a', 'app', ['send'], 1);
  await store.createApiKey(record);
  const { code, text } = await output((out) => sesCredentials(store, record.id, out));
  assert.equal(code, 0);
  const expected = (await SesCredentials.open(store)).forKey(record.id);
  assert.equal(text, `aws_access_key_id = ${expected.accessKeyId}\naws_secret_access_key = ${expected.secretAccessKey}\n`);
  assert.match(expected.accessKeyId, /^AKTX[0-9A-Z]{16}$/);
  assert.equal(expected.secretAccessKey.length, 40);
  assert.equal((await SesCredentials.open(store)).keyIdOf(expected.accessKeyId), record.id);
  await store.revokeApiKey('ten_a', record.id, 2);
  assert.equal((await output((out) => sesCredentials(store, record.id, out))).code, 1);
  await store.close();
});
