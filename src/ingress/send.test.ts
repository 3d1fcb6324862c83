// The one send path: hooks may refuse or personalise; a hook whose dependency fails makes the
// send retryable (503), and nothing is written either way.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { TxError } from '../domain/errors.js';
import { parseSendRequest } from '../domain/message/validate.js';
import { openSqliteStore } from '../store/sqlite/index.js';
import type { Store } from '../store/store.js';
import { SendService, type SendHooks } from './send.js';

const dir = mkdtempSync(join(tmpdir(), 'txmail-send-'));
let store: Store;
const NOW = 1_700_000_000_000;
const LIMITS = { maxRecipients: 10, maxMessageBytes: 1_000_000, maxScheduleAheadMs: 86_400_000 };
const request = parseSendRequest({ from: 'a@sender.test', to: ['x@dest.test', 'y@dest.test'], subject: 'S', html: '<p>Hi</p>' }, LIMITS, NOW);

before(async () => {
  store = openSqliteStore(join(dir, 't.db'));
  await store.migrate();
  await store.createTenant({ id: 'ten_a', name: 'a', createdAt: NOW });
});
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function service(hooks: SendHooks[]): SendService {
  return new SendService({ store, hostname: 'txmail.test', now: () => NOW, maxMessageBytes: 1_000_000, idempotencyTtlMs: 1000, onAccepted: () => undefined, hooks });
}

const events = async (): Promise<number> => (await store.listEvents('ten_a', undefined, 1000)).events.length;

test('a refusal from a hook reaches the caller as it is, and nothing is written', async () => {
  const refuse: SendHooks = { check: async () => Promise.reject(new TxError('TX_ERR_SENDER_NOT_ALLOWED', 'not yours')) };
  await assert.rejects(service([refuse]).send('ten_a', [request]), (e: TxError) => e.code === 'TX_ERR_SENDER_NOT_ALLOWED');
  assert.equal(await events(), 0);
});

test('a hook whose dependency fails makes the send retryable (503), not a 500', async () => {
  const broken: SendHooks = { check: async () => Promise.reject(new Error('store unreachable')) };
  await assert.rejects(service([broken]).send('ten_a', [request]), (e: TxError) => e.code === 'TX_ERR_UNAVAILABLE' && /store unreachable/.test(e.message));
  assert.equal(await events(), 0);
});

test('personalised content gives those recipients a MIME of their own; the others share the message', async () => {
  const personalise: SendHooks = {
    personalize: async (ctx, contents) => contents.map((c, i) => (ctx.recipients[i]!.address === 'y@dest.test' ? { ...c, html: '<p>Hi Y</p>' } : c)),
  };
  const out = await service([personalise]).send('ten_a', [request]);
  assert.equal(out.kind, 'accepted');
  const claimed = await store.claimDue({ owner: 'w', now: NOW, leaseMs: 1000, limit: 10, excludeDomains: [] });
  const own = claimed.filter((d) => d.hasOwnRaw).map((d) => d.recipient);
  assert.deepEqual(own, ['y@dest.test']);
  const raw = await store.loadDeliveryRaw(claimed.find((d) => d.hasOwnRaw)!.id);
  assert.match(raw!.toString(), /Hi Y/);
});
