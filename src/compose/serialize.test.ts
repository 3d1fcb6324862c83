// The synchronous serializer must give exactly the bytes of nodemailer's own build().
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import MailComposer, { type MailComposerOptions } from 'nodemailer/lib/mail-composer';
import { serializeMime } from './serialize.js';

/** A deterministic pseudo-random source, so a failure can be reproduced. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 2246822507) + 0x9e3779b9) >>> 0;
    return s / 2 ** 32;
  };
}

const PIECES = ['Hello', 'wörld', '日本語', ' ', '  ', '\t', '\r\n', '\r\n', '.', '..', '=', '=3D', 'a'.repeat(80), 'ü'.repeat(40), '😀', '<p>', '</p>', 'From ', '-', 'x y z', '\r\n.\r\n', ' \r\n'];

function text(r: () => number, max: number): string {
  let s = '';
  const n = Math.floor(r() * max);
  for (let i = 0; i < n; i++) s += PIECES[Math.floor(r() * PIECES.length)]!;
  return s;
}

function options(r: () => number, i: number): MailComposerOptions {
  const o: MailComposerOptions = {
    from: { name: r() < 0.5 ? 'Shop Ünïcode' : '', address: 'shop@sender.test' },
    to: [{ name: '', address: `user${i}@dest.test` }],
    subject: text(r, 6) || 'Subject',
    messageId: `<m${i}@txmail.test>`,
    date: new Date(1_700_000_000_000 + i),
    baseBoundary: `fixed${i}`,
    headers: r() < 0.3 ? [{ key: 'X-Ref', value: text(r, 4) || 'ref' }] : [],
    disableFileAccess: true,
    disableUrlAccess: true,
  };
  const kind = r();
  if (kind < 0.4) o.text = text(r, 60);
  else if (kind < 0.7) o.html = `<p>${text(r, 60)}</p>`;
  else {
    o.text = text(r, 40);
    o.html = `<p>${text(r, 40)}</p>`;
  }
  if (r() < 0.4) {
    o.attachments = [{ filename: 'a.bin', content: Buffer.from(Array.from({ length: Math.floor(r() * 3000) }, () => Math.floor(r() * 256))) }];
    if (r() < 0.5) o.attachments.push({ filename: 'logo.png', content: Buffer.from('png-bytes'), cid: 'logo@x', contentType: 'image/png' });
    if (r() < 0.5) o.attachments.push({ filename: 'notes.txt', content: text(r, 30), contentType: 'text/plain' });
    // Large bodies cross the encoders' internal slice sizes.
    if (r() < 0.1) o.attachments.push({ filename: 'big.txt', content: text(r, 20_000), contentType: 'text/plain' });
    if (r() < 0.1) o.attachments.push({ filename: 'big.csv', content: Buffer.from(text(r, 20_000)), contentType: 'application/octet-stream', contentTransferEncoding: 'quoted-printable' });
  }
  return o;
}

test('serializeMime gives the same bytes as nodemailer build() for 600 random messages', async () => {
  const r = rng(42);
  for (let i = 0; i < 600; i++) {
    const o = options(r, i);
    const expected = await new MailComposer(o).compile().build();
    const actual = serializeMime(new MailComposer(o).compile());
    assert.ok(actual, `message ${i} took the fast path`);
    assert.equal(actual.toString('latin1'), expected.toString('latin1'), `message ${i} differs`);
  }
});

test('content it cannot write synchronously is left to build()', () => {
  const root = new MailComposer({ from: 'a@b.test', to: 'c@d.test', subject: 's', text: Readable.from(['x']) }).compile();
  assert.equal(serializeMime(root), undefined);
});
