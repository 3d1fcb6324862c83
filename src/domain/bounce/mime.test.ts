// The MIME reader under the DSN and ARF parsers: only the corners reports actually hit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { headerText, parseContentType, parseHeaders, parseMessage, partText, typedMta, walk } from './mime.js';

test('headers unfold, names lower-case, junk lines skipped', () => {
  const h = parseHeaders('From MAILER-DAEMON Mon Jan 15 2024\nSubject: a\n  b\nX-Odd:\tv\nnot a header\nTo: x@example.org');
  assert.deepEqual(h, [
    { name: 'subject', value: 'a  b' },
    { name: 'x-odd', value: 'v' },
    { name: 'to', value: 'x@example.org' },
  ]);
});

test('encoded words: B and Q, adjacent words joined, UTF-8 header bytes', () => {
  const h = parseHeaders(
    Buffer.from('Subject: =?UTF-8?B?w4RwZmVs?= =?ISO-8859-1?Q?_und_Birnen_=E4?= x\nFrom: Jörg <j@example.org>', 'utf8').toString('latin1'),
  );
  assert.equal(headerText(h, 'subject'), 'Äpfel und Birnen ä x');
  assert.equal(headerText(h, 'from'), 'Jörg <j@example.org>');
});

test('content-type parameters: quoted values may hold semicolons', () => {
  assert.deepEqual(parseContentType('Multipart/Report; report-type=delivery-status;\tboundary="a;b=c"'), {
    type: 'multipart/report',
    params: { 'report-type': 'delivery-status', boundary: 'a;b=c' },
  });
  assert.deepEqual(parseContentType(undefined), { type: 'text/plain', params: {} });
  assert.deepEqual(parseContentType('garbage'), { type: 'text/plain', params: {} });
});

test('multipart: transport padding on delimiters, preamble dropped, unterminated last part kept', () => {
  const m = parseMessage('Content-Type: multipart/mixed; boundary=zz\n\npreamble\n--zz  \n\none\n--zz\nContent-Type: text/plain\n\ntwo\n');
  assert.deepEqual(
    m.parts.map((p) => [p.type, p.body]),
    [
      ['text/plain', 'one'],
      ['text/plain', 'two\n'],
    ],
  );
});

test('transfer encodings and charsets decode per part', () => {
  const latin1 = Buffer.from('Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\n\nGr\xfc\xdfe', 'latin1');
  assert.equal(partText(parseMessage(latin1)), 'Grüße');
  const qp = parseMessage('Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\nGr=C3=BC=C3=9Fe, soft=  \n break\n');
  assert.equal(partText(qp), 'Grüße, soft break\n');
  const b64 = parseMessage(`Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: BASE64\n\n${Buffer.from('Grüße').toString('base64')}\n`);
  assert.equal(partText(b64), 'Grüße');
  const unknown = parseMessage('Content-Type: text/plain; charset=x-made-up\n\nplain');
  assert.equal(partText(unknown), 'plain');
});

test('nesting is bounded on hostile input', () => {
  let raw = 'leaf';
  for (let i = 0; i < 50; i++) raw = `Content-Type: multipart/mixed; boundary=b${i}\n\n--b${i}\n${raw}\n--b${i}--\n`;
  const parts = [...walk(parseMessage(raw))];
  assert.ok(parts.length <= 8, `${parts.length} parts walked`);
});

test('MTA names lose their type, trailing dot and comment', () => {
  assert.equal(typedMta('dns; aspmx.l.google.com. (142.250.1.26, the server for the domain x.example.)'), 'aspmx.l.google.com');
  assert.equal(typedMta('dns;mx.example.org'), 'mx.example.org');
  assert.equal(typedMta(''), undefined);
});
