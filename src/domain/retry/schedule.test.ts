import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_RETRY, nextAttempt, retryDelayS, retrySchedule } from './schedule.js';

test('the default schedule starts at one minute and grows to hourly', () => {
  assert.deepEqual(retrySchedule(DEFAULT_RETRY, 10), [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600, 3600]);
});

test('a custom policy gives its own whole schedule', () => {
  assert.deepEqual(retrySchedule({ firstDelayS: 30, factor: 3, maxDelayS: 1000, maxLifetimeS: 86400 }, 6), [30, 90, 270, 810, 1000, 1000]);
});

test('a huge attempt count stays at the maximum instead of overflowing', () => {
  assert.equal(retryDelayS(DEFAULT_RETRY, 100_000), 3600);
});

test('the next attempt is the delay after now', () => {
  assert.deepEqual(nextAttempt(DEFAULT_RETRY, 1, 0, 1_000), { retry: true, at: 61_000 });
});

test('the last retry is moved to the deadline rather than past it', () => {
  const lifetimeMs = DEFAULT_RETRY.maxLifetimeS * 1000;
  assert.deepEqual(nextAttempt(DEFAULT_RETRY, 20, 0, lifetimeMs - 10_000), { retry: true, at: lifetimeMs });
});

test('a failure at or after the deadline ends the retries', () => {
  const lifetimeMs = DEFAULT_RETRY.maxLifetimeS * 1000;
  assert.deepEqual(nextAttempt(DEFAULT_RETRY, 20, 0, lifetimeMs), { retry: false });
});
