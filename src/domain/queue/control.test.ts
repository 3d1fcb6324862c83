import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HOLD_FOREVER, OWN_HOLD, planAction, queueStateOf, type QueuedDelivery } from './control.js';
import { parseDuration, parseHoldEnd, parseQueueFilter } from './filter.js';
import { TxError } from '../errors.js';

const NOW = 1_700_000_000_000;
const d = (x: Partial<QueuedDelivery> = {}): QueuedDelivery => ({
  id: 'msg_1.0', tenantId: 't', messageId: 'msg_1', recipient: 'a@x.test', state: 'deferred', attempts: 2, nextAttemptAt: NOW + 60_000,
  leased: false, heldUntil: null, holdReason: null, parkedBy: null, parkedFrom: null, ...x,
});
const ctx = { now: NOW, by: 'key1' };

test('hold parks a delivery until the hold ends, keeping the time it had; release gives it back', () => {
  const h = planAction(d(), { kind: 'hold', reason: 'why', until: null }, ctx);
  assert.ok(!('skip' in h));
  assert.deepEqual([h.nextAttemptAt, h.parkedBy, h.parkedFrom, h.heldUntil, h.event.type], [HOLD_FOREVER, OWN_HOLD, NOW + 60_000, HOLD_FOREVER, 'held']);
  const held = d({ nextAttemptAt: h.nextAttemptAt!, parkedBy: h.parkedBy, parkedFrom: h.parkedFrom, heldUntil: h.heldUntil, holdReason: 'why' });
  assert.equal(queueStateOf(held, NOW), 'held');
  assert.deepEqual(planAction(held, { kind: 'hold', reason: 'why', until: null }, ctx), { skip: 'already' });
  assert.deepEqual(planAction(held, { kind: 'retry' }, ctx), { skip: 'held' });
  const r = planAction(held, { kind: 'release' }, ctx);
  assert.ok(!('skip' in r));
  assert.deepEqual([r.nextAttemptAt, r.parkedBy, r.heldUntil, r.event.type], [NOW + 60_000, null, null, 'released']);
  assert.deepEqual(planAction(d(), { kind: 'release' }, ctx), { skip: 'not_held' });
});

test('a hold with an end never makes a delivery due earlier than it was', () => {
  const h = planAction(d({ nextAttemptAt: NOW + 7_200_000 }), { kind: 'hold', reason: 'x', until: NOW + 60_000 }, ctx);
  assert.equal(!('skip' in h) && h.nextAttemptAt, NOW + 7_200_000);
});

test('a delivery in flight: a hold is noted for its next claim; other actions leave it to its attempt', () => {
  const f = d({ leased: true });
  const h = planAction(f, { kind: 'hold', reason: 'x', until: null }, ctx);
  assert.ok(!('skip' in h));
  assert.deepEqual([h.nextAttemptAt, h.parkedBy, h.heldUntil], [f.nextAttemptAt, null, HOLD_FOREVER]);
  for (const kind of ['retry', 'bounce', 'delete'] as const) {
    assert.deepEqual(planAction(f, kind === 'retry' ? { kind } : { kind, reason: 'r' }, ctx), { skip: 'in_flight' });
  }
  assert.equal(queueStateOf(f, NOW), 'in_flight');
});

test('retry, bounce and delete', () => {
  const r = planAction(d(), { kind: 'retry' }, ctx);
  assert.equal(!('skip' in r) && r.nextAttemptAt, NOW);
  assert.deepEqual(planAction(d({ nextAttemptAt: NOW }), { kind: 'retry' }, ctx), { skip: 'already' });
  const b = planAction(d(), { kind: 'bounce', reason: 'bad list' }, ctx);
  assert.ok(!('skip' in b));
  assert.deepEqual([b.state, b.nextAttemptAt, b.bounce?.reason, b.event.type], ['bounced', null, 'administrative', 'bounced']);
  assert.match(b.bounce!.reply, /bad list/);
  const x = planAction(d(), { kind: 'delete', reason: 'oops' }, ctx);
  assert.ok(!('skip' in x));
  assert.deepEqual([x.state, x.dropReason, x.event.type], ['dropped', 'deleted', 'dropped']);
});

test('queue states', () => {
  assert.equal(queueStateOf(d({ state: 'queued', nextAttemptAt: NOW }), NOW), 'queued');
  assert.equal(queueStateOf(d({ state: 'queued', nextAttemptAt: NOW + 1 }), NOW), 'scheduled');
  assert.equal(queueStateOf(d(), NOW), 'deferred');
});

test('filters and durations: bad values are refused by name', () => {
  assert.equal(parseDuration('15m'), 900_000);
  assert.equal(parseDuration('15 minutes'), undefined);
  assert.deepEqual(parseQueueFilter({ state: 'held,deferred', destination: 'Gmail.COM', older_than: '2h' }), {
    states: ['held', 'deferred'], destination: 'gmail.com', olderThanMs: 7_200_000,
  });
  assert.throws(
    () => parseQueueFilter({ state: 'lost', colour: 'red', older_than: 'soon' }),
    (e: unknown) => e instanceof TxError && e.fields.map((f) => f.path).sort().join() === 'colour,older_than,state',
  );
  const errors: Array<{ path: string; message: string }> = [];
  assert.equal(parseHoldEnd({ for: '1h' }, NOW, errors), NOW + 3_600_000);
  parseHoldEnd({ until: '2000-01-01T00:00:00Z' }, NOW, errors);
  assert.deepEqual(errors.map((e) => e.path), ['until']);
});
