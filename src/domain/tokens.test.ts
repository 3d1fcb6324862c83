import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signToken, verifyToken } from './tokens.js';

const secret = 'test-secret';

test('a token verifies and gives its payload back', () => {
  const t = signToken(secret, 'unsubscribe', { d: 'msg_1.0', a: 'a@x.test' });
  assert.deepEqual(verifyToken(secret, 'unsubscribe', t), { d: 'msg_1.0', a: 'a@x.test' });
});

test('a tampered payload, a forged MAC, another secret or another purpose is refused', () => {
  const t = signToken(secret, 'click', { u: 'https://shop.test/' });
  const [body, sig] = t.split('.') as [string, string];
  const evil = Buffer.from(JSON.stringify({ u: 'https://evil.test/' })).toString('base64url');
  assert.equal(verifyToken(secret, 'click', `${evil}.${sig}`), undefined);
  assert.equal(verifyToken(secret, 'click', `${body}.${'A'.repeat(sig.length)}`), undefined);
  assert.equal(verifyToken('other', 'click', t), undefined);
  assert.equal(verifyToken(secret, 'open', t), undefined);
  for (const junk of ['', '.', 'abc', `${t}.x`, `${body}.`, `.${sig}`]) assert.equal(verifyToken(secret, 'click', junk), undefined, junk);
});

test('a compact token is short, lower-case, survives case folding and refuses tampering', async () => {
  const { signCompact, verifyCompact } = await import('./tokens.js');
  const t = signCompact(secret, 'verp', '01hm5x3qgmail0000000000000-12');
  assert.match(t, /^[a-z0-9.-]+$/);
  assert.ok(t.length <= 62, `${t.length} characters`);
  assert.equal(verifyCompact(secret, 'verp', t), '01hm5x3qgmail0000000000000-12');
  assert.equal(verifyCompact(secret, 'verp', t.toUpperCase()), '01hm5x3qgmail0000000000000-12', 'an MTA may upper- or lower-case the local part');
  assert.equal(verifyCompact(secret, 'unsubscribe', t), undefined, 'another purpose');
  assert.equal(verifyCompact('other', 'verp', t), undefined, 'another secret');
  const tampered = t.replace('-12.', '-13.');
  assert.equal(verifyCompact(secret, 'verp', tampered), undefined);
  for (const junk of ['', '.', 'abc', `${t}x`, `.${t}`, 'a b.c']) assert.equal(verifyCompact(secret, 'verp', junk), undefined, junk);
  assert.throws(() => signCompact(secret, 'verp', 'Upper'));
});

test('a token changed in any single character is refused, also in the MAC’s spare bits', () => {
  const t = signToken(secret, 'click', { d: 'msg_1.0', u: 'https://shop.test/a' });
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  for (let i = 0; i < t.length; i++) {
    if (t[i] === '.') continue;
    for (const c of alphabet) {
      if (c === t[i]) continue;
      const changed = t.slice(0, i) + c + t.slice(i + 1);
      assert.equal(verifyToken(secret, 'click', changed), undefined, `position ${i} changed to ${c}`);
    }
  }
});
