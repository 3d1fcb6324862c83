import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deadlineOf } from './deadline.js';

const policy = { commandTimeoutMs: 300_000, minDataRate: 500 };

test('a command line gets the command timeout from our reply, however many bytes trickle in', () => {
  assert.equal(deadlineOf(policy, { kind: 'command', since: 1000 }), 301_000);
});

test('DATA gets the command timeout plus 1 s per min_data_rate bytes received', () => {
  assert.equal(deadlineOf(policy, { kind: 'data', since: 0, bytes: 0 }), 300_000);
  assert.equal(deadlineOf(policy, { kind: 'data', since: 0, bytes: 10 * 1024 * 1024 }), 300_000 + Math.floor((10 * 1024 * 1024 * 1000) / 500));
  // A trickle of 1 byte per 10 s earns 2 ms per byte: 310 s and 31 bytes in, its time is up.
  assert.ok(deadlineOf(policy, { kind: 'data', since: 0, bytes: 31 })! < 310_000);
  assert.equal(deadlineOf({ ...policy, minDataRate: 0 }, { kind: 'data', since: 0, bytes: 1e9 }), 300_000);
});

test('no deadline while the client waits for our reply', () => {
  assert.equal(deadlineOf(policy, { kind: 'server' }), undefined);
});
