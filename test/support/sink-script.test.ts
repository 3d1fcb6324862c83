// The sink's address script and records, without sockets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { endOfData, parseHeaders, scriptByAddress } from './sink-script.js';

test('address script table', () => {
  const table = [
    ['rcpt', 'rcpt-450-anything@d', 450],
    ['mail', 'rcpt-450-anything@d', undefined],
    ['data', 'data-554-x@d', 554],
    ['rcpt', 'data-554-x@d', undefined],
    ['mail', 'mail-550-x@d', 550],
    ['rcpt', 'stall-rcpt@d', 'stall'],
    ['data', 'stall-rcpt@d', undefined],
    ['data', 'drop-data-7@d', 'drop-in-data'],
    ['data', 'drop-after-dot@d', 'drop'],
    ['rcpt', 'drop-rcpt@d', 'drop'],
    ['rcpt', 'accept-x@d', undefined],
    ['data', 'rcpt-450x@d', undefined],
  ] as const;
  for (const [phase, address, expected] of table) {
    const got = scriptByAddress(phase, address);
    assert.equal(typeof got === 'object' ? got.code : got, expected, `${phase} ${address}`);
  }
  assert.equal(scriptByAddress('data', 'fail-1-then-accept@d', 1) !== undefined, true);
  assert.equal(scriptByAddress('data', 'fail-1-then-accept@d', 2), undefined);
  assert.deepEqual(parseHeaders(Buffer.from('A: 1\r\n\tcont\r\nB:2\r\n\r\nC: body')), [
    { name: 'A', value: '1 cont' },
    { name: 'B', value: '2' },
  ]);
});

test('endOfData: a reply to send, or none for stall and drop', () => {
  assert.deepEqual(endOfData(undefined, 7), { reply: { code: 250, enhanced: '2.0.0', text: 'OK queued as 7' }, outcome: 'accepted' });
  assert.deepEqual(endOfData(552, 1), { reply: { code: 552, enhanced: '5.3.4', text: 'Message too big for system' }, outcome: 'rejected' });
  assert.deepEqual(endOfData('stall', 1), { reply: undefined, outcome: 'stalled' });
  assert.deepEqual(endOfData('drop', 1), { reply: undefined, outcome: 'dropped' });
});
