import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AuthThrottle, ConnectionLimiter } from './limits.js';

test('connections are limited per IP and in all; a release frees a place', () => {
  const l = new ConnectionLimiter(2, 3);
  assert.deepEqual([l.acquire('a'), l.acquire('a'), l.acquire('a')], ['ok', 'ok', 'ip']);
  assert.deepEqual([l.acquire('b'), l.acquire('c')], ['ok', 'total']);
  l.release('a');
  assert.equal(l.acquire('c'), 'ok');
  l.release('zzz');
  assert.equal(l.count('a'), 1);
});

test('AUTH failures: free at first, then slower and slower, then a lockout that ends', () => {
  const t = new AuthThrottle({ slowdownAfter: 2, lockoutAfter: 6, lockoutMs: 60_000 });
  const T = 1_000_000;
  const delays = [1, 2, 3, 4, 5].map((i) => t.failure('ip', T + i).delayMs);
  assert.deepEqual(delays, [0, 0, 250, 500, 1000]);
  assert.equal(t.lockedUntil('ip', T + 5), undefined);
  assert.deepEqual(t.failure('ip', T + 6), { delayMs: 0, lockedUntil: T + 6 + 60_000 });
  assert.equal(t.lockedUntil('ip', T + 60_000), T + 60_006);
  assert.equal(t.lockedUntil('other', T), undefined, 'other addresses are not affected');
  assert.equal(t.lockedUntil('ip', T + 60_006), undefined, 'the lockout ends');
  assert.equal(t.failure('ip', T + 200_000).delayMs, 0, 'and a quiet spell forgives the count');
});

test('a success clears the count; delays are capped', () => {
  const t = new AuthThrottle({ slowdownAfter: 1, lockoutAfter: 100, lockoutMs: 60_000 });
  for (let i = 0; i < 3; i++) t.failure('ip', i);
  t.success('ip');
  assert.equal(t.failure('ip', 10).delayMs, 0);
  let last = 0;
  for (let i = 0; i < 20; i++) last = t.failure('ip', 20 + i).delayMs;
  assert.equal(last, 5000);
});
