// RFC 5322 §2.1.1: whatever a caller may give within the validated limits, the composed message
// has no line over 998 octets (the composer folds headers and encodes bodies with long lines).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findLongLine } from '../domain/message/line-length.js';
import { parseSendRequest } from '../domain/message/validate.js';
import { composeMime } from './mime.js';

const LIMITS = { maxRecipients: 50, maxMessageBytes: 10_000_000, maxScheduleAheadMs: 86_400_000 };

test('composed messages at the field limits keep every line within 998 octets', async () => {
  const longest = 'x'.repeat(10_000);
  const shapes: Record<string, unknown>[] = [
    { subject: 'y'.repeat(998) },
    { subject: `${'ü'.repeat(500)}${'y'.repeat(498)}` },
    { text: `${longest}\n${'a '.repeat(3000)}` },
    { html: `<p>${longest}</p>`, text: undefined },
    { headers: { 'X-Long': 'z'.repeat(998 - 'X-Long: '.length) } },
    { headers: { 'X-Spaced': 'z '.repeat(499) } },
    { from: { email: 'a@example.com', name: 'N'.repeat(256) } },
    { attachments: [{ filename: `${'f'.repeat(250)}.txt`, content: Buffer.from(longest).toString('base64'), content_type: 'text/plain' }] },
  ];
  for (const shape of shapes) {
    const req = parseSendRequest({ from: 'a@example.com', to: 'b@example.org', subject: 's', text: 't', ...shape }, LIMITS, 0);
    assert.equal(req.content.kind, 'parts');
    if (req.content.kind !== 'parts') continue;
    const raw = await composeMime({ from: req.from, to: req.to, cc: req.cc, content: req.content, messageIdHeader: '<m@x.test>', date: 0 });
    assert.equal(findLongLine(raw), undefined, JSON.stringify(shape).slice(0, 80));
  }
});
