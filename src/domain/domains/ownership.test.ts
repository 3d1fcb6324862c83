// Public suffixes (from the bundled Public Suffix List) and the relation between names that
// decides who may claim what.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { claimExpiresAt, isLiveClaim, publicSuffixProblem, related, selfAndParents } from './ownership.js';

test('public suffixes are refused, ICANN and private sections alike; registrable names and their subdomains are not', () => {
  for (const n of ['co.uk', 'com', 'uk', 'test', 'github.io', 'localhost']) assert.match(publicSuffixProblem(n) ?? '', /public suffix/, n);
  for (const n of ['bank.co.uk', 'example.com', 'hostile-a.test', 'mail.hostile-a.test', 'me.github.io']) assert.equal(publicSuffixProblem(n), undefined, n);
});

test('related: the name, its parents and its subdomains; not names that merely share a suffix', () => {
  assert.deepEqual(selfAndParents('News.Example.com'), ['news.example.com', 'example.com', 'com']);
  assert.ok(related('mail.hostile-a.test', 'hostile-a.test'));
  assert.ok(related('shared-parent.test', 'news.shared-parent.test'));
  assert.ok(related('a.test', 'A.TEST'));
  assert.ok(!related('xhostile-a.test', 'hostile-a.test'));
  assert.ok(!related('a.example.com', 'b.example.com'));
});

test('a pending claim lapses after the TTL; an owned one never', () => {
  assert.equal(claimExpiresAt({ createdAt: 1000, ownedAt: null }, 500), 1500);
  assert.equal(claimExpiresAt({ createdAt: 1000, ownedAt: 1200 }, 500), null);
  assert.ok(isLiveClaim({ createdAt: 1000, ownedAt: null }, 500, 1499));
  assert.ok(!isLiveClaim({ createdAt: 1000, ownedAt: null }, 500, 1500));
  assert.ok(isLiveClaim({ createdAt: 1000, ownedAt: 1200 }, 500, 10_000));
});
