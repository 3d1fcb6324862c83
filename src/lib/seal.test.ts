import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newSealKey, seal, unseal } from './seal.js';

test('a sealed value opens only with its key and for its row, and hides the plaintext', () => {
  const key = Buffer.from(newSealKey(), 'base64');
  const s = seal(key, '-----BEGIN PRIVATE KEY-----\nsecret\n', 'dkim_1');
  assert.doesNotMatch(s, /secret|PRIVATE/);
  assert.equal(unseal(key, s, 'dkim_1'), '-----BEGIN PRIVATE KEY-----\nsecret\n');
  assert.notEqual(seal(key, 'x', 'a'), seal(key, 'x', 'a'), 'a fresh IV each time');
  assert.throws(() => unseal(key, s, 'dkim_2'), 'bound to its row');
  assert.throws(() => unseal(Buffer.from(newSealKey(), 'base64'), s, 'dkim_1'), 'another key');
  const [v, iv, tag, ct] = s.split(':') as [string, string, string, string];
  const flipped = Buffer.from(ct, 'base64');
  flipped[0] = flipped[0]! ^ 1;
  assert.throws(() => unseal(key, [v, iv, tag, flipped.toString('base64')].join(':'), 'dkim_1'), 'tampered');
  assert.throws(() => unseal(key, 'plain text', 'dkim_1'));
});
