import assert from 'node:assert/strict';
import { test } from 'node:test';
import { simpleParser } from 'mailparser';
import { composeMime, type ComposeInput } from './mime.js';
import { ComposePool, contentSize } from './pool.js';

const input = (text: string): ComposeInput => ({
  from: { address: 'a@example.com', name: 'Shöp', smtputf8: false },
  to: [{ address: 'b@example.org', smtputf8: false }],
  cc: [],
  messageIdHeader: '<m@x.test>',
  date: Date.UTC(2025, 0, 1),
  content: {
    kind: 'parts',
    subject: 'Grüße',
    text,
    html: `<p>${text}</p>`,
    headers: [{ name: 'X-Order', value: '42' }],
    replyTo: [],
    attachments: [{ filename: 'r.pdf', contentType: 'application/pdf', content: Buffer.from('%PDF ✓'), disposition: 'attachment' }],
  },
});

test('a compose thread writes the same message as composing in place; small ones stay in place', async () => {
  const pool = new ComposePool({ threads: 1, offloadBytes: 1000 });
  try {
    const big = input('ü line\n'.repeat(500));
    assert.ok(contentSize(big) >= 1000);
    const [threaded, inline] = await Promise.all([pool.compose(big), composeMime(big)]);
    const [a, b] = await Promise.all([simpleParser(threaded), simpleParser(inline)]);
    assert.deepEqual([a.subject, a.text, a.html, a.from?.text, a.headers.get('x-order'), a.messageId], [b.subject, b.text, b.html, b.from?.text, b.headers.get('x-order'), b.messageId]);
    assert.deepEqual(a.attachments.map((x) => [x.filename, x.contentType, x.content.toString()]), [['r.pdf', 'application/pdf', '%PDF ✓']]);
    // Several at once, more than one per thread, each gets its own answer.
    const many = await Promise.all(['1', '2', '3'].map((k) => pool.compose(input(`${k} `.repeat(600)))));
    for (const [i, raw] of many.entries()) assert.match((await simpleParser(raw)).text ?? '', new RegExp(`^${i + 1} `));
  } finally {
    await pool.close();
  }
  // After close, composition still works, in place.
  assert.ok((await pool.compose(input('x'))).length > 0);
});
