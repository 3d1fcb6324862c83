import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventLimiter, WINDOW_MS } from './limit.js';

test('per delivery and per IP, a fixed one-minute window; opens and clicks are keyed apart by the caller', () => {
  const l = new EventLimiter({ perDelivery: 3, perIp: 5 });
  const t0 = 1_000_000;
  const opens = Array.from({ length: 5 }, (_, i) => l.allow(t0 + i, 'opened:d1', '192.0.2.1'));
  assert.deepEqual(opens, [true, true, true, false, false]);
  assert.equal(l.allow(t0 + 10, 'clicked:d1', '192.0.2.2'), true, 'clicks count apart from opens');
  // The IP's window is full (5 events from 192.0.2.1) even for another delivery.
  assert.equal(l.allow(t0 + 20, 'opened:d2', '192.0.2.1'), false);
  assert.equal(l.allow(t0 + 20, 'opened:d3', '198.51.100.7'), true);
  // A new minute starts a new window.
  assert.equal(l.allow(t0 + WINDOW_MS, 'opened:d1', '192.0.2.9'), true);
  assert.equal(l.allow(t0 + WINDOW_MS, 'opened:d2', null), true, 'no IP known: only the delivery counts');
});
