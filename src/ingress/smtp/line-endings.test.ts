import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineEndingScanner } from './line-endings.js';

function scan(...chunks: string[]): LineEndingScanner['bare'] {
  const s = new LineEndingScanner();
  for (const c of chunks) s.feed(Buffer.from(c, 'latin1'));
  s.end();
  return s.bare;
}

test('CRLF everywhere is clean, also when a pair straddles two chunks', () => {
  assert.equal(scan('Subject: a\r\n\r\nbody\r\n'), undefined);
  assert.equal(scan('Subject: a\r', '\n\r', '\nbody\r\n'), undefined);
  assert.equal(scan(''), undefined);
});

test('a bare LF or CR is found with its offset, wherever the chunks break', () => {
  assert.deepEqual(scan('a\r\nb\nc\r\n'), { kind: 'LF', offset: 4 });
  assert.deepEqual(scan('\nabc'), { kind: 'LF', offset: 0 });
  assert.deepEqual(scan('ab', '\ncd'), { kind: 'LF', offset: 2 });
  assert.deepEqual(scan('a\rb\r\n'), { kind: 'CR', offset: 1 });
  assert.deepEqual(scan('ab\r', 'c'), { kind: 'CR', offset: 2 });
  assert.deepEqual(scan('ab\r'), { kind: 'CR', offset: 2 }, 'a CR at the very end');
  assert.deepEqual(scan('a\r\r\n'), { kind: 'CR', offset: 1 });
});

test('the known smuggling sequences are all caught', () => {
  for (const seq of ['\n.\n', '\n.\r\n', '\r.\r', '\r.\r\n', '\r\n.\r', '\r\n.\n', '\n.\r']) {
    assert.ok(scan(`Subject: x\r\n\r\nfirst${seq}MAIL FROM:<a@b.c>\r\n`), JSON.stringify(seq));
  }
});

test('a NUL byte anywhere is found, the smuggling carrier \\r\\n\\0.\\r\\n included', () => {
  assert.deepEqual(scan('Subject: x\r\n\r\nfirst\r\n\0.\r\nMAIL FROM:<a@b.c>\r\n'), { kind: 'NUL', offset: 21 });
  assert.deepEqual(scan('ab', 'c\0d\r\n'), { kind: 'NUL', offset: 3 });
  assert.deepEqual(scan('Subject: \0\r\n'), { kind: 'NUL', offset: 9 });
});
