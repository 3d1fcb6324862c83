import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TtlLru } from './ttl-cache.js';

test('an entry lives until its expiry instant, exclusive', () => {
  const c = new TtlLru<string>(10);
  c.set('k', 'v', 1000, 0);
  assert.equal(c.get('k', 0), 'v');
  assert.equal(c.get('k', 999), 'v');
  assert.equal(c.get('k', 1000), undefined);
  assert.equal(c.size, 0);
});

test('an entry already expired is not stored and removes the old one', () => {
  const c = new TtlLru<string>(10);
  c.set('k', 'old', 1000, 0);
  c.set('k', 'new', 500, 500);
  assert.equal(c.get('k', 500), undefined);
});

test('evicts the least recently used entry past the bound', () => {
  const c = new TtlLru<number>(2);
  c.set('a', 1, 100, 0);
  c.set('b', 2, 100, 0);
  assert.equal(c.get('a', 1), 1); // a is now the most recently used
  c.set('c', 3, 100, 1);
  assert.equal(c.get('b', 2), undefined);
  assert.equal(c.get('a', 2), 1);
  assert.equal(c.get('c', 2), 3);
  assert.equal(c.size, 2);
});

test('rejects a non-positive bound', () => {
  assert.throws(() => new TtlLru(0), RangeError);
});
