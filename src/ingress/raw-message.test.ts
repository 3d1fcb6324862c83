import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeEncodedWords, normaliseLineEnds, removeHeaders } from '../compose/raw.js';
import { ingestRawMessage } from './raw-message.js';

const msg = (head: string, body = 'body\r\n'): Buffer => Buffer.from(`${head}\r\n${body}`, 'utf8');

test('X-Txmail headers (folded ones too) and Bcc come out; every other byte stays', () => {
  const raw = msg('From: a@b.test\r\nX-Txmail-Tags: one,\r\n two\r\nSubject: hi\r\nBcc: hidden@x.test\r\nX-Txmail-Metadata: {"k":\r\n\t"v"}\r\nTo: c@d.test\r\n', 'X-Txmail-Tags: in the body stays\r\n');
  const r = ingestRawMessage(raw);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.tags, ['one', 'two']);
  assert.deepEqual(r.metadata, { k: 'v' });
  assert.equal(r.headerFrom, 'a@b.test');
  assert.equal(r.raw.toString(), 'From: a@b.test\r\nSubject: hi\r\nTo: c@d.test\r\n\r\nX-Txmail-Tags: in the body stays\r\n');
});

test('tags as a JSON array, encoded words decoded; problems reported per header', () => {
  const ok = ingestRawMessage(msg('From: a@b.test\r\nX-Txmail-Tags: ["a,b", "=?UTF-8?B?w7w=?="]\r\nX-Txmail-Metadata: =?UTF-8?Q?{"city":"K=C3=B6ln"}?=\r\n'));
  assert.deepEqual(ok.errors, []);
  assert.deepEqual(ok.tags, ['a,b', 'ü']);
  assert.deepEqual(ok.metadata, { city: 'Köln' });
  const bad = ingestRawMessage(msg('X-Txmail-Metadata: {"n": 1}\r\nX-TXMAIL-Other: x\r\nX-Txmail-Tags: ' + Array.from({ length: 11 }, (_, i) => `t${i}`).join(',') + '\r\n'));
  assert.deepEqual(bad.errors.map((e) => e.path).sort(), ['From', 'X-TXMAIL-Other', 'X-Txmail-Metadata.n', 'X-Txmail-Tags']);
});

test('a message without our headers is returned as the same buffer', () => {
  const raw = msg('From: a@b.test\r\nSubject: s\r\n');
  assert.equal(removeHeaders(raw, (n) => n.startsWith('x-txmail-')).raw, raw);
});

test('encoded words and line ends', () => {
  assert.equal(decodeEncodedWords('=?utf-8?q?a_b?= =?UTF-8?B?w7w=?= plain'), 'a bü plain');
  assert.equal(normaliseLineEnds(Buffer.from('a\nb\rc\r\nd')).toString(), 'a\r\nb\r\nc\r\nd');
  const clean = Buffer.from('a\r\nb');
  assert.equal(normaliseLineEnds(clean), clean);
});
