import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findLongLine } from './line-length.js';

test('findLongLine: the first line over 998 octets, CRLF or LF ends, header or body', () => {
  const b = (s: string): Buffer => Buffer.from(s, 'latin1');
  assert.equal(findLongLine(b(`Subject: ${'x'.repeat(989)}\r\n\r\nbody\r\n`)), undefined, '998 octets is the limit');
  assert.deepEqual(findLongLine(b(`Subject: ${'x'.repeat(990)}\r\n\r\nbody\r\n`)), { line: 1, octets: 999, inHeader: true });
  assert.deepEqual(findLongLine(b(`A: b\r\n\r\nok\r\n${'y'.repeat(10_000)}\r\n`)), { line: 4, octets: 10_000, inHeader: false });
  assert.deepEqual(findLongLine(b(`A: b\n\n${'y'.repeat(999)}`)), { line: 3, octets: 999, inHeader: false }, 'the last line needs no line end');
  assert.equal(findLongLine(b('')), undefined);
});
