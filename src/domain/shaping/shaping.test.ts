import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectionLimit, deadBackoffMs, nextDeadState, slotRetryMs } from './index.js';

const POLICY = { firstMs: 60_000, maxMs: 3600_000 };
const T0 = 1_700_000_000_000;

test('connection limit: configured, lowered by the remote cap, one while probing, never zero', () => {
  assert.equal(connectionLimit(10, 10, false), 10);
  assert.equal(connectionLimit(10, 3, false), 3);
  assert.equal(connectionLimit(2, 10, false), 2);
  assert.equal(connectionLimit(10, 0, false), 1);
  assert.equal(connectionLimit(10, 10, true), 1);
});

test('slot retry: the whole schedule without jitter, and the jitter bounds', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 50].map((n) => slotRetryMs(n, 0.5)), [100, 200, 400, 800, 1600, 2000, 2000, 2000]);
  assert.equal(slotRetryMs(1, 0), 75);
  assert.equal(slotRetryMs(1, 0.999999), 125);
  assert.equal(slotRetryMs(0, 0.5), 100, 'a count below one is the first retry');
});

test('dead back-off doubles up to the maximum', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8, 100].map((n) => deadBackoffMs(POLICY, n) / 1000), [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
});

test('a worker that finds a destination dead adopts a back-off another worker stored, or counts on from the larger count', () => {
  assert.deepEqual(nextDeadState(undefined, 0, T0, POLICY), { deadUntil: T0 + 60_000, failures: 1, adopted: false });
  const stored = { deadUntil: T0 + 30_000, failures: 3 };
  assert.deepEqual(nextDeadState(stored, 0, T0, POLICY), { ...stored, adopted: true }, 'still backed off by another worker');
  assert.deepEqual(nextDeadState({ deadUntil: T0 - 1, failures: 3 }, 1, T0, POLICY), { deadUntil: T0 + 480_000, failures: 4, adopted: false });
  assert.deepEqual(nextDeadState({ deadUntil: 0, failures: 0 }, 2, T0, POLICY), { deadUntil: T0 + 240_000, failures: 3, adopted: false });
});
