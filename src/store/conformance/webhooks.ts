// describeWebhookStore(): the webhook verbs (endpoints, the dispatcher's leases and positions,
// the delivery log, replays) and the feed helpers they rely on, run against each adapter.
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { EVENT_TYPES } from '../../domain/events/types.js';
import type { NewWebhook, Store, WebhookProgress } from '../store.js';
import { message } from './fixtures.js';
import { storeTest, type StoreFactory } from './harness.js';

const T0 = 1_700_000_000_000;


export function newWebhook(id: string, extra: Partial<NewWebhook> = {}): NewWebhook {
  return {
    id,
    tenantId: 'ten_a',
    url: 'https://hooks.test/x',
    eventTypes: [...EVENT_TYPES],
    format: 'native',
    secret: 'whsec_x',
    publicKey: null,
    batchSize: 100,
    description: '',
    enabled: true,
    now: T0,
    ...extra,
  };
}

const opened = (n: number, at = T0): Parameters<Store['appendEvents']>[1] =>
  Array.from({ length: n }, (_, i) => ({ type: 'opened' as const, messageId: `m${i}`, recipient: `r${i}@x.test`, at: at + i, data: { n: i } }));

const advanced = (lease: { endpoint: { id: string }; leaseToken: number }, cursor: string, extra: Partial<WebhookProgress> = {}): WebhookProgress => ({
  webhookId: lease.endpoint.id,
  leaseToken: lease.leaseToken,
  now: T0 + 1,
  outcome: { kind: 'advanced', cursor, sent: 1 },
  ...extra,
});

export function describeWebhookStore(name: string, factory: StoreFactory): void {
  const it = storeTest(factory);

  describe(`Store conformance (webhooks): ${name}`, () => {
    it('a new endpoint starts at the end of its tenant’s feed; listEvents stops at `until`', async (s) => {
      await s.appendEvents('ten_a', opened(3));
      await s.appendEvents('ten_b', opened(2));
      const w = await s.createWebhook(newWebhook('wh_1'));
      assert.equal((await s.listEvents('ten_a', w.cursor, 10)).events.length, 0, 'history is not sent to a new endpoint');
      await s.appendEvents('ten_a', opened(2, T0 + 100));
      const after = await s.listEvents('ten_a', w.cursor, 10);
      assert.deepEqual(after.events.map((e) => e.at), [T0 + 100, T0 + 101]);
      const all = await s.listEvents('ten_a', undefined, 10);
      const bounded = await s.listEvents('ten_a', undefined, 10, all.events[2]!.cursor);
      assert.deepEqual(bounded.events.map((e) => e.id), all.events.slice(0, 3).map((e) => e.id));
      assert.equal((await s.listEvents('ten_a', all.events[2]!.cursor, 10, all.events[2]!.cursor)).events.length, 0);
    });

    it('endpoints are created, listed, updated and deleted per tenant', async (s) => {
      const w = await s.createWebhook(newWebhook('wh_1', { format: 'sendgrid', secret: 'pem', publicKey: 'pub', eventTypes: ['delivered'] }));
      assert.deepEqual([w.format, w.publicKey, w.eventTypes, w.enabled, w.failures, w.nextAttemptAt], ['sendgrid', 'pub', ['delivered'], true, 0, T0]);
      await s.createWebhook(newWebhook('wh_2', { enabled: false }));
      assert.deepEqual((await s.listWebhooks('ten_a')).map((x) => x.id), ['wh_1', 'wh_2']);
      assert.equal((await s.getWebhook('ten_a', 'wh_2'))?.disabledReason, 'disabled by API');
      assert.equal(await s.getWebhook('ten_b', 'wh_1'), undefined, 'other tenants do not see it');
      assert.equal(await s.updateWebhook('ten_b', 'wh_1', { url: 'https://evil.test/', now: T0 }), undefined);
      const u = await s.updateWebhook('ten_a', 'wh_1', { url: 'https://hooks.test/y', eventTypes: ['bounced', 'opened'], batchSize: 7, now: T0 + 5 });
      assert.deepEqual([u?.url, u?.eventTypes, u?.batchSize, u?.secret, u?.updatedAt], ['https://hooks.test/y', ['bounced', 'opened'], 7, 'pem', T0 + 5]);
      const off = await s.updateWebhook('ten_a', 'wh_1', { enabled: false, now: T0 + 6 });
      assert.deepEqual([off?.enabled, off?.disabledReason, off?.disabledAt], [false, 'disabled by API', T0 + 6]);
      const on = await s.updateWebhook('ten_a', 'wh_1', { enabled: true, secret: 'pem2', publicKey: 'pub2', now: T0 + 7 });
      assert.deepEqual([on?.enabled, on?.disabledReason, on?.nextAttemptAt, on?.secret, on?.publicKey], [true, null, T0 + 7, 'pem2', 'pub2']);
      assert.equal(await s.deleteWebhook('ten_b', 'wh_1'), false);
      assert.equal(await s.deleteWebhook('ten_a', 'wh_1'), true);
      assert.equal(await s.getWebhook('ten_a', 'wh_1'), undefined);
      assert.equal(await s.deleteWebhook('ten_a', 'wh_1'), false);
    });

    it('claims lease due, enabled endpoints once; concurrent claims never share one', async (s) => {
      for (let i = 0; i < 6; i++) await s.createWebhook(newWebhook(`wh_${i}`, { enabled: i !== 5 }));
      const claims = await Promise.all(Array.from({ length: 4 }, (_, k) => s.claimWebhooks({ owner: `d${k}`, now: T0, leaseMs: 10_000, limit: 3 })));
      const ids = claims.flat().map((l) => l.endpoint.id);
      assert.equal(ids.length, 5, 'every enabled endpoint, and only those');
      assert.equal(new Set(ids).size, 5, 'no endpoint leased twice');
      assert.ok(!ids.includes('wh_5'));
      assert.deepEqual(await s.claimWebhooks({ owner: 'late', now: T0 + 9_999, leaseMs: 10_000, limit: 10 }), [], 'held leases are not handed out');
      const again = await s.claimWebhooks({ owner: 'late', now: T0 + 10_000, leaseMs: 10_000, limit: 10 });
      assert.equal(again.length, 5, 'expired leases are claimed again');
      const first = claims.flat().find((l) => l.endpoint.id === 'wh_0')!;
      const second = again.find((l) => l.endpoint.id === 'wh_0')!;
      assert.ok(second.leaseToken > first.leaseToken);
      assert.equal(await s.recordWebhookProgress(advanced(first, '99')), false, 'the expired holder is fenced off');
      assert.equal(await s.renewWebhookLease('wh_0', first.leaseToken, T0 + 99_999), false);
      assert.equal(await s.renewWebhookLease('wh_0', second.leaseToken, T0 + 30_000), true);
    });

    it('progress moves the position and logs the attempt; failure releases and schedules; long failure disables', async (s) => {
      await s.appendEvents('ten_a', opened(1));
      await s.createWebhook(newWebhook('wh_1', { now: T0 - 10 }));
      await s.appendEvents('ten_a', opened(2, T0 + 10));
      const [lease] = await s.claimWebhooks({ owner: 'd', now: T0, leaseMs: 60_000, limit: 1 });
      const page = await s.listEvents('ten_a', lease!.endpoint.cursor, 10);
      const log = { events: 2, firstEventId: page.events[0]!.id, lastEventId: page.events[1]!.id, status: 200, ok: true, latencyMs: 12, error: null };
      assert.equal(await s.recordWebhookProgress(advanced(lease!, page.cursor, { log })), true);
      let w = await s.getWebhook('ten_a', 'wh_1');
      assert.deepEqual([w?.cursor, w?.lastStatus, w?.failures], [page.cursor, 200, 0]);
      // A failure gives the lease up: someone else may claim it once it is due.
      const failLog = { ...log, status: 500, ok: false, error: 'HTTP 500' };
      assert.equal(
        await s.recordWebhookProgress({ ...advanced(lease!, 'x'), now: T0 + 2, log: failLog, outcome: { kind: 'failed', failures: 1, firstFailureAt: T0 + 2, retryAt: T0 + 5000 } }),
        true,
      );
      w = await s.getWebhook('ten_a', 'wh_1');
      assert.deepEqual([w?.cursor, w?.failures, w?.firstFailureAt, w?.nextAttemptAt, w?.lastStatus, w?.lastError], [page.cursor, 1, T0 + 2, T0 + 5000, 500, 'HTTP 500']);
      assert.deepEqual(await s.claimWebhooks({ owner: 'd', now: T0 + 4999, leaseMs: 60_000, limit: 1 }), [], 'not due before the retry time');
      const [retry] = await s.claimWebhooks({ owner: 'd', now: T0 + 5000, leaseMs: 60_000, limit: 1 });
      assert.ok(retry);
      const reason = 'disabled after 9 failed attempts';
      assert.equal(
        await s.recordWebhookProgress({ ...advanced(retry, 'x'), now: T0 + 6000, log: failLog, outcome: { kind: 'disabled', failures: 9, firstFailureAt: T0 + 2, reason } }),
        true,
      );
      w = await s.getWebhook('ten_a', 'wh_1');
      assert.deepEqual([w?.enabled, w?.disabledReason, w?.disabledAt, w?.failures], [false, reason, T0 + 6000, 9]);
      assert.deepEqual(await s.claimWebhooks({ owner: 'd', now: T0 + 99_999, leaseMs: 60_000, limit: 1 }), []);
      const attempts = await s.listWebhookAttempts('ten_a', 'wh_1', 10);
      assert.deepEqual(attempts.map((a) => [a.status, a.ok, a.events]), [[500, false, 2], [500, false, 2], [200, true, 2]], 'newest first');
      assert.equal(attempts[2]!.latencyMs, 12);
      assert.deepEqual(await s.listWebhookAttempts('ten_b', 'wh_1', 10), []);
      // Re-enabling clears the streak and makes it due at once.
      await s.updateWebhook('ten_a', 'wh_1', { enabled: true, now: T0 + 7000 });
      const [back] = await s.claimWebhooks({ owner: 'd', now: T0 + 7000, leaseMs: 60_000, limit: 1 });
      assert.deepEqual([back?.endpoint.failures, back?.endpoint.firstFailureAt, back?.endpoint.cursor], [0, null, page.cursor]);
    });

    it('an endpoint disabled or deleted while leased loses its lease', async (s) => {
      await s.createWebhook(newWebhook('wh_1'));
      const [lease] = await s.claimWebhooks({ owner: 'd', now: T0, leaseMs: 60_000, limit: 1 });
      await s.updateWebhook('ten_a', 'wh_1', { enabled: false, now: T0 + 1 });
      assert.equal(await s.renewWebhookLease('wh_1', lease!.leaseToken, T0 + 120_000), false);
      assert.equal(await s.recordWebhookProgress(advanced(lease!, '5')), false);
      await s.deleteWebhook('ten_a', 'wh_1');
      assert.equal(await s.recordWebhookProgress(advanced(lease!, '5')), false);
    });

    it('release makes an endpoint due at the given time', async (s) => {
      await s.createWebhook(newWebhook('wh_1'));
      const [lease] = await s.claimWebhooks({ owner: 'd', now: T0, leaseMs: 60_000, limit: 1 });
      await s.releaseWebhook('wh_1', lease!.leaseToken, T0 + 1000);
      assert.deepEqual(await s.claimWebhooks({ owner: 'd', now: T0 + 999, leaseMs: 60_000, limit: 1 }), []);
      assert.equal((await s.claimWebhooks({ owner: 'e', now: T0 + 1000, leaseMs: 60_000, limit: 1 })).length, 1);
    });

    it('a replay runs from a cursor to the feed’s end at its creation, and comes with the lease until done', async (s) => {
      await s.appendEvents('ten_a', opened(4));
      await s.createWebhook(newWebhook('wh_1'));
      const all = await s.listEvents('ten_a', undefined, 10);
      const r = await s.createWebhookReplay({ id: 'rpl_1', tenantId: 'ten_a', webhookId: 'wh_1', after: all.events[0]!.cursor, fromAt: null, toAt: null, now: T0 });
      assert.ok(r);
      assert.equal(await s.createWebhookReplay({ id: 'rpl_2', tenantId: 'ten_b', webhookId: 'wh_1', after: undefined, fromAt: null, toAt: null, now: T0 }), undefined);
      await s.appendEvents('ten_a', opened(1, T0 + 50));
      const replayed = await s.listEvents('ten_a', r.cursor, 10, r.endCursor);
      assert.deepEqual(replayed.events.map((e) => e.id), all.events.slice(1).map((e) => e.id), 'events after the cursor, none after the end');
      const [lease] = await s.claimWebhooks({ owner: 'd', now: T0, leaseMs: 60_000, limit: 1 });
      assert.deepEqual(lease!.replays.map((x) => x.id), ['rpl_1']);
      assert.equal(await s.recordWebhookProgress(advanced(lease!, replayed.cursor, { replayId: 'rpl_1', outcome: { kind: 'advanced', cursor: replayed.cursor, sent: 3, done: true } })), true);
      const [done] = await s.listWebhookReplays('ten_a', 'wh_1');
      assert.deepEqual([done?.state, done?.sent, done?.cursor, done?.finishedAt], ['done', 3, replayed.cursor, T0 + 1]);
      assert.equal((await s.getWebhook('ten_a', 'wh_1'))?.cursor, lease!.endpoint.cursor, 'the live position is untouched by a replay');
      await s.releaseWebhook('wh_1', lease!.leaseToken, T0);
      const [next] = await s.claimWebhooks({ owner: 'd', now: T0, leaseMs: 60_000, limit: 1 });
      assert.deepEqual(next!.replays, []);
    });

    it('feedCursorAt finds where a time begins; loadMessageMeta returns tags and metadata', async (s) => {
      await s.appendEvents('ten_b', opened(5, T0 + 2));
      await s.appendEvents('ten_a', opened(20, T0));
      const at = await s.feedCursorAt('ten_a', T0 + 7);
      assert.deepEqual((await s.listEvents('ten_a', at, 3)).events.map((e) => e.at), [T0 + 7, T0 + 8, T0 + 9]);
      assert.equal((await s.listEvents('ten_a', await s.feedCursorAt('ten_a', 0), 100)).events.length, 20);
      assert.equal((await s.listEvents('ten_a', await s.feedCursorAt('ten_a', T0 + 1000), 100)).events.length, 0);
      const m = message('ten_a', T0, ['a@x.test'], { tags: ['x', 'y'], metadata: { order: '1' } });
      await s.acceptMessages({ tenantId: 'ten_a', messages: [m], now: T0 });
      const meta = await s.loadMessageMeta([m.id, m.id, 'msg_nope']);
      assert.deepEqual([...meta.keys()], [m.id]);
      assert.deepEqual(meta.get(m.id), { id: m.id, messageIdHeader: m.messageIdHeader, tags: ['x', 'y'], metadata: { order: '1' } });
    });
  });
}
