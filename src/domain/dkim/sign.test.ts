// The signer against mailauth's verifier (an independent implementation): every message shape
// that canonicalization can get wrong, both key types, and tampering after signing.
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { test } from 'node:test';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { hasBareLineEnds, relaxedBody, relaxedHeader, splitMessage, toCrlf } from './canonical.js';
import { dkimRecordValue, parseDkimRecord } from './record.js';
import { dkimSignatures, signedFieldList, type DkimSigningKey } from './sign.js';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ed = generateKeyPairSync('ed25519');
const spkiBase64 = (k: KeyObject): string => k.export({ type: 'spki', format: 'der' }).toString('base64');
// RFC 8463 §4.2: the Ed25519 record holds the raw 32-byte key, not the SPKI structure.
const edRaw = (k: KeyObject): string => k.export({ type: 'spki', format: 'der' }).subarray(-32).toString('base64');

const ZONE = new Map<string, string>([
  ['r1._domainkey.acme.test', dkimRecordValue('rsa', spkiBase64(rsa.publicKey))],
  ['e1._domainkey.acme.test', dkimRecordValue('ed25519', edRaw(ed.publicKey))],
]);
const resolver = async (name: string, type: string): Promise<string[][]> => {
  const v = type === 'TXT' ? ZONE.get(name) : undefined;
  if (v === undefined) throw Object.assign(new Error(`no ${type} for ${name}`), { code: 'ENOTFOUND' });
  // Split like a real 2048-bit key record: character-strings of at most 255 octets.
  const parts: string[] = [];
  for (let i = 0; i < v.length; i += 255) parts.push(v.slice(i, i + 255));
  return [parts];
};

const RSA_KEY: DkimSigningKey = { domain: 'acme.test', selector: 'r1', type: 'rsa', key: rsa.privateKey };
const ED_KEY: DkimSigningKey = { domain: 'acme.test', selector: 'e1', type: 'ed25519', key: ed.privateKey };
const NOW = 1_705_312_983_000;

function sign(msg: string | Buffer, keys: readonly DkimSigningKey[] = [RSA_KEY, ED_KEY]): Buffer {
  const raw = Buffer.isBuffer(msg) ? msg : Buffer.from(msg, 'utf8');
  return Buffer.concat([Buffer.from(dkimSignatures(raw, keys, NOW), 'latin1'), raw]);
}

async function verdicts(signed: Buffer): Promise<string[]> {
  const r = await dkimVerify(signed, { resolver });
  return r.results.map((x) => `${x.selector}:${x.status.result}`);
}

const BASE = [
  'From: "Acme Shop" <shop@acme.test>',
  'To: Jane <jane@example.org>',
  'Subject: Your receipt',
  'Date: Mon, 15 Jan 2024 10:03:03 +0000',
  'Message-ID: <msg_1@txmail.test>',
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: 8bit',
].join('\r\n');

const SHAPES: ReadonlyArray<readonly [string, string]> = [
  ['plain', `${BASE}\r\n\r\nThanks for your order.\r\n`],
  ['folded headers and odd whitespace', `${BASE.replace('Subject: Your receipt', 'Subject:   Your \t receipt\r\n\t  for order   42  ')}\r\nX-Extra:\tvalue  \r\n\r\nbody\r\n`],
  ['whitespace at line ends and runs inside lines', `${BASE}\r\n\r\nline  with   runs \t\r\ntrailing tab\t\r\n`],
  ['empty lines at the end', `${BASE}\r\n\r\nbody\r\n\r\n\r\n\r\n`],
  ['no final CRLF', `${BASE}\r\n\r\nno final line end`],
  ['empty body', `${BASE}\r\n\r\n`],
  ['UTF-8 header and 8bit body', `${BASE.replace('Subject: Your receipt', 'Subject: Ünïcödé receipt ✓')}\r\n\r\nГрацие — ✓ 8bit\r\n`],
  ['two To fields and a Cc', `${BASE}\r\nTo: second@example.org\r\nCc: c@example.org\r\n\r\nbody\r\n`],
  ['dot-leading lines', `${BASE}\r\n\r\n.\r\n..two dots\r\n. dot space\r\n`],
  ['List-Unsubscribe headers', `${BASE}\r\nList-Unsubscribe: <https://t.test/u/abc>, <mailto:u+x@bounce.acme.test>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n\r\nbody\r\n`],
];

for (const [name, msg] of SHAPES) {
  test(`mailauth verifies both signatures: ${name}`, async () => {
    assert.deepEqual(await verdicts(sign(msg)), ['r1:pass', 'e1:pass']);
  });
}

test('a large multipart body verifies', async () => {
  const part = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit.  \r\n'.repeat(4000);
  const msg = `${BASE.replace('text/plain; charset=utf-8', 'multipart/alternative; boundary="b1"')}\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\n${part}\r\n--b1--\r\n`;
  assert.deepEqual(await verdicts(sign(msg, [RSA_KEY])), ['r1:pass']);
});

test('a tampered body, header or added From fails verification', async () => {
  const signed = sign(SHAPES[0]![1]).toString('utf8');
  // mailauth reports a body hash mismatch as neutral ("body hash did not verify"), a bad signature as fail.
  assert.deepEqual(await verdicts(Buffer.from(signed.replace('Thanks for your order.', 'Thanks for your 0rder.'))), ['r1:neutral', 'e1:neutral']);
  assert.deepEqual(await verdicts(Buffer.from(signed.replace('Subject: Your receipt', 'Subject: Your invoice'))), ['r1:fail', 'e1:fail']);
  // Oversigning: a second From added in transit must not pass.
  const withSecondFrom = signed.replace('From: "Acme Shop"', 'From: evil@evil.test\r\nFrom: "Acme Shop"');
  assert.ok((await verdicts(Buffer.from(withSecondFrom))).every((v) => !v.endsWith(':pass')));
  // Whitespace changes that relaxed canonicalization forgives still pass.
  assert.deepEqual(await verdicts(Buffer.from(signed.replace('Thanks for your order.', 'Thanks  for your order.  '))), ['r1:pass', 'e1:pass']);
});

test('a signature for a selector whose record holds another key fails', async () => {
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signed = sign(SHAPES[0]![1], [{ ...RSA_KEY, key: other.privateKey }]);
  assert.deepEqual(await verdicts(signed), ['r1:fail']);
});

test('h= lists present recommended fields, bottom-up repeats, oversigned ones once more', () => {
  const { fields } = splitMessage(`From: a@x\r\nTo: b@y\r\nTo: c@z\r\nSubject: s\r\nX-Not-Signed: 1\r\nDate: d\r\n\r\n`);
  assert.deepEqual(signedFieldList(fields), ['from', 'from', 'reply-to', 'subject', 'subject', 'date', 'to', 'to', 'to', 'cc', 'list-unsubscribe', 'list-unsubscribe-post']);
});

test('relaxed canonicalization by the RFC 6376 §3.4.5 example', () => {
  assert.equal(relaxedHeader('A: X'), 'a:X');
  assert.equal(relaxedHeader('B : Y\t\r\n\tZ  '), 'b:Y Z');
  assert.equal(relaxedBody(' C \r\nD \t E\r\n\r\n\r\n'), ' C\r\nD E\r\n');
  assert.equal(relaxedBody(''), '');
  assert.equal(relaxedBody('\r\n\r\n'), '');
  assert.equal(relaxedBody('x'), 'x\r\n');
});

test('bare line ends are detected and normalised to CRLF', () => {
  assert.equal(hasBareLineEnds('a\r\nb\r\n'), false);
  assert.equal(hasBareLineEnds('a\nb'), true);
  assert.equal(hasBareLineEnds('a\rb'), true);
  assert.equal(toCrlf('a\nb\rc\r\nd'), 'a\r\nb\r\nc\r\nd');
});

test('key records are written and read back; malformed ones are not records', () => {
  assert.deepEqual(parseDkimRecord(dkimRecordValue('rsa', 'QUJD')), { version: 'DKIM1', keyType: 'rsa', publicKey: 'QUJD', testing: false });
  assert.deepEqual(parseDkimRecord('k=ed25519; t=y; p=QU JD'), { keyType: 'ed25519', publicKey: 'QUJD', testing: true });
  assert.equal(parseDkimRecord('p=QUJD; v=DKIM1'), undefined, 'v= not first');
  assert.equal(parseDkimRecord('v=DKIM2; p=QUJD'), undefined);
  assert.equal(parseDkimRecord('v=spf1 -all'), undefined);
  assert.equal(parseDkimRecord('v=DKIM1; p=')?.publicKey, '', 'revoked');
});
