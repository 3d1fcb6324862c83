import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Address } from '../message/types.js';
import {
  checkDisplayName,
  isAddressError,
  parseAddress,
  parseAddressField,
  parseAddressList,
  parseMailbox,
  splitAddressList,
} from './index.js';

const x = (n: number): string => 'x'.repeat(n);

// Every accepted form and exactly what it normalises to.
const GOOD: ReadonlyArray<readonly [string, Address]> = [
  ['a@b.com', { address: 'a@b.com', smtputf8: false }],
  ['  a@b.com  ', { address: 'a@b.com', smtputf8: false }],
  ['John.Doe+tag@Example.COM', { address: 'John.Doe+tag@example.com', smtputf8: false }],
  ["!#$%&'*+-/=?^_`{|}~@x.io", { address: "!#$%&'*+-/=?^_`{|}~@x.io", smtputf8: false }],
  ['"Name" <a@b.com>', { address: 'a@b.com', name: 'Name', smtputf8: false }],
  ['Name <a@b.com>', { address: 'a@b.com', name: 'Name', smtputf8: false }],
  ['<a@b.com>', { address: 'a@b.com', smtputf8: false }],
  ['"" <a@b.com>', { address: 'a@b.com', smtputf8: false }],
  ['"Smith, J" <j@x.com>', { address: 'j@x.com', name: 'Smith, J', smtputf8: false }],
  // A name may show its own address, in any case.
  ['"A@b.com" <a@b.com>', { address: 'a@b.com', name: 'A@b.com', smtputf8: false }],
  ['"Tea @ Five" <a@b.com>', { address: 'a@b.com', name: 'Tea @ Five', smtputf8: false }],
  // Encoded words (RFC 2047) are decoded and kept as the text a client shows.
  ['=?utf-8?B?Wm/Dqw==?= <a@b.com>', { address: 'a@b.com', name: 'Zoë', smtputf8: false }],
  ['=?iso-8859-1?Q?Zo=EB?= =?utf-8?Q?_B?= <a@b.com>', { address: 'a@b.com', name: 'Zoë B', smtputf8: false }],
  ['"John" Smith <a@b.com>', { address: 'a@b.com', name: 'John Smith', smtputf8: false }],
  ['Dr. Who <a@b.com>', { address: 'a@b.com', name: 'Dr. Who', smtputf8: false }],
  ['"a <b>" <c@d.com>', { address: 'c@d.com', name: 'a <b>', smtputf8: false }],
  ['"Say \\"hi\\"" <a@b.com>', { address: 'a@b.com', name: 'Say "hi"', smtputf8: false }],
  ['"a b"@x.com', { address: '"a b"@x.com', smtputf8: false }],
  ['"a@b"@x.com', { address: '"a@b"@x.com', smtputf8: false }],
  ['"a\\"b"@x.com', { address: '"a\\"b"@x.com', smtputf8: false }],
  ['Name <"a b"@x.com>', { address: '"a b"@x.com', name: 'Name', smtputf8: false }],
  // IDN domain becomes A-labels; that alone does not need SMTPUTF8.
  ['user@Bücher.DE', { address: 'user@xn--bcher-kva.de', smtputf8: false }],
  ['user@例え.jp', { address: 'user@xn--r8jz45g.jp', smtputf8: false }],
  ['user@xn--bcher-kva.de', { address: 'user@xn--bcher-kva.de', smtputf8: false }],
  // A UTF-8 local part does, and keeps its case; decomposed input is stored as NFC.
  ['Jöhn <Jö.Doe@Bücher.DE>', { address: 'Jö.Doe@xn--bcher-kva.de', name: 'Jöhn', smtputf8: true }],
  ['e\u0301@x.com', { address: '\u00e9@x.com', smtputf8: true }],
  ['用户@例子.中国', { address: '用户@xn--fsqu00a.xn--fiqs8s', smtputf8: true }],
  ['a@[192.0.2.1]', { address: 'a@[192.0.2.1]', smtputf8: false }],
  ['a@[IPv6:2001:DB8::1]', { address: 'a@[IPv6:2001:db8::1]', smtputf8: false }],
  ['a@[ipv6:::ffff:192.0.2.1]', { address: 'a@[IPv6:::ffff:192.0.2.1]', smtputf8: false }],
  [`${x(64)}@x.com`, { address: `${x(64)}@x.com`, smtputf8: false }],
  [`a@${x(63)}.com`, { address: `a@${x(63)}.com`, smtputf8: false }],
  ['a@x-y.co', { address: 'a@x-y.co', smtputf8: false }],
  ['a@1x.123y', { address: 'a@1x.123y', smtputf8: false }],
];

test('accepted address forms normalise exactly', () => {
  for (const [input, expected] of GOOD) assert.deepEqual(parseAddress(input), expected, input);
});

// 4 labels of 61 characters plus 3 dots: 247 characters of domain.
const LONG_DOMAIN = [x(61), x(61), x(61), x(61)].join('.');

const BAD: ReadonlyArray<readonly [string, string]> = [
  ['', 'address is empty'],
  ['   ', 'address is empty'],
  ['ab.com', 'missing @'],
  ['@b.com', 'local part is empty'],
  ['a@', 'domain is empty'],
  ['a@@b.com', 'more than one @'],
  ['a@b@c.com', 'more than one @'],
  ['.a@x.com', 'local part starts with a dot'],
  ['a.@x.com', 'local part ends with a dot'],
  ['a..b@x.com', 'local part contains consecutive dots'],
  ['a b@x.com', 'local part contains a space outside quotes'],
  ['a(b)@x.com', 'local part contains an invalid character "("'],
  ['a\\b@x.com', 'local part contains an invalid character "\\\\"'],
  ['"abc@x.com', 'unbalanced quote'],
  ['a"b@x.com', 'unbalanced quote'],
  ['"abc\\"@x.com', 'unbalanced quote'],
  ['a"b"c@x.com', 'local part mixes quoted and unquoted text'],
  ['""@x.com', 'empty quoted string'],
  ['a\u00a0b@x.com', 'non-printing Unicode character'],
  [`${x(65)}@x.com`, 'local part longer than 64 octets'],
  // 33 two-octet characters: 33 characters but 66 octets.
  [`${'é'.repeat(33)}@x.com`, 'local part longer than 64 octets'],
  [`a@${x(64)}.com`, 'domain label longer than 63 characters'],
  [`a@${LONG_DOMAIN}.${x(10)}`, 'domain longer than 253 characters'],
  [`${x(10)}@${LONG_DOMAIN}`, 'address longer than 254 octets'],
  [`${x(1200)}@x.com`, 'address longer than 254 octets'],
  [`${x(1e6)}@x.com`, 'longer than 1536 characters'],
  ['a@-x.com', 'domain label starts with a hyphen'],
  ['a@x-.com', 'domain label ends with a hyphen'],
  ['a@-ä.com', 'domain label starts with a hyphen'],
  ['a@x_y.com', 'domain contains an invalid character "_"'],
  ['a@x.com.', 'domain ends with a dot'],
  ['a@.x.com', 'domain starts with a dot'],
  ['a@x..com', 'domain contains consecutive dots'],
  ['a@localhost', 'at least two labels'],
  ['a@1.2.3.4', 'top-level domain is all-numeric'],
  ['a@x.com (comment)', 'domain contains a space'],
  ['a@xn--zz.com', 'not valid Punycode'],
  ['a@ex\u200dample.com', 'not a valid internationalised domain name'],
  ['a@[1.2.3]', 'not a valid IPv4 address'],
  ['a@[010.0.0.1]', 'not a valid IPv4 address'],
  ['a@[256.0.0.1]', 'not a valid IPv4 address'],
  ['a@[1.2.3.4', 'missing the closing "]"'],
  ['a@[IPv6:fe80::1%eth0]', 'not a valid IPv6 address'],
  ['a@[IPv6:1:2:3:4:5:6:7:8:9]', 'not a valid IPv6 address'],
  ['a@[tag:value]', 'must be IPv4 or start with "IPv6:"'],
  ['a@b.com\r\nBcc: evil@x.com', 'contains a line break'],
  ['a@b.com\nx', 'contains a line break'],
  ['a\u0000@b.com', 'contains a NUL character'],
  ['a\u0007@b.com', 'contains a control character (U+0007)'],
  ['"Evil\r\nBcc: x@y.com" <a@b.com>', 'contains a line break'],
  ['Name\u0085 <a@b.com>', 'contains a control character (U+0085)'],
  ['Name <a@b.com> junk', 'text after the closing ">"'],
  ['Name <a@b.com', 'missing closing ">"'],
  ['Name a@b.com>', '">" without a matching "<"'],
  ['Name <a@b.com> <c@d.com>', 'more than one "<"'],
  ['Name <>', 'address between "<" and ">" is empty'],
  ['Smith, J <j@x.com>', 'more than one address'],
  ['a@b.com, c@d.com', 'more than one address'],
  ['Na"me <a@b.com>', 'unbalanced quote'],
  ['Name <a..b@x.com>', 'local part contains consecutive dots'],
  ['a:b <a@b.com>', 'must be quoted'],
  ['boss@example.com <evil@x.com>', 'must be quoted'],
  ['[ceo] <a@b.com>', 'must be quoted'],
  // A name showing another address is the classic spoof, quoted or encoded (RFC 2047).
  ['"boss@example.com" <a@b.com>', 'display name shows the address "boss@example.com"'],
  ['"Billing (billing@bank.test)" <a@b.com>', 'display name shows the address "billing@bank.test"'],
  ['=?utf-8?B?Ym9zc0BiYW5rLnRlc3Q=?= <a@b.com>', 'display name shows the address "boss@bank.test"'],
  ['=?utf-8?B?eA0KQmNjOiB2QHgudGVzdA==?= <a@b.com>', 'display name has an encoded word (RFC 2047) that decodes to a line break'],
  ['=?utf-8?Q?x=00y?= <a@b.com>', 'decodes to a NUL character'],
  ['=?x-no-such-charset?Q?x?= <a@b.com>', 'unknown charset "x-no-such-charset"'],
  [`"${x(257)}" <a@b.com>`, 'display name longer than 256 characters'],
];

test('rejected address forms say precisely what is wrong', () => {
  for (const [input, message] of BAD) {
    const r = parseAddress(input);
    assert.ok(isAddressError(r), `${JSON.stringify(input)} was accepted as ${JSON.stringify(r)}`);
    assert.ok(r.error.includes(message), `${JSON.stringify(input)}: "${r.error}" lacks "${message}"`);
  }
});

test('parseMailbox takes only the bare form', () => {
  assert.deepEqual(parseMailbox('a@b.com'), { address: 'a@b.com', smtputf8: false });
  assert.ok(isAddressError(parseMailbox('Name <a@b.com>')));
});

test('display names: trimmed, empty is none, any Unicode but no controls', () => {
  assert.equal(checkDisplayName('  Zoë 🎉  ', 'a@b.com'), 'Zoë 🎉');
  assert.equal(checkDisplayName('   ', 'a@b.com'), undefined);
  // 256 emoji are 512 UTF-16 units but 256 characters.
  assert.equal(checkDisplayName('🎉'.repeat(256), 'a@b.com'), '🎉'.repeat(256));
  assert.deepEqual(checkDisplayName('a\rb', 'a@b.com'), { error: 'display name contains a line break' });
  assert.deepEqual(checkDisplayName('a\tb', 'a@b.com'), { error: 'display name contains a control character (U+0009)' });
});

test('object form with paths, unknown keys and null name', () => {
  assert.deepEqual(parseAddressField({ email: 'A@B.com', name: ' Ann ' }, 'from'), {
    address: { address: 'A@b.com', name: 'Ann', smtputf8: false },
    errors: [],
  });
  assert.deepEqual(parseAddressField({ email: 'a@b.com', name: null }, 'from').address, { address: 'a@b.com', smtputf8: false });
  assert.deepEqual(parseAddressField({ mail: 'a@b.com', name: 7 }, 'to[1]').errors, [
    { path: 'to[1].mail', message: 'unknown field (allowed: email, name)' },
    { path: 'to[1].email', message: 'is required' },
    { path: 'to[1].name', message: 'must be a string' },
  ]);
  assert.match(parseAddressField({ email: 'Ann <a@b.com>' }, 'from').errors[0]?.message ?? '', /bare address/);
  assert.deepEqual(parseAddressField(12, 'cc').errors, [{ path: 'cc', message: 'must be an address string or an object {email, name}' }]);
});

test('address lists: single value, array with indexed paths, absent', () => {
  assert.deepEqual(parseAddressList(undefined, 'cc'), { addresses: [], errors: [] });
  assert.deepEqual(parseAddressList(null, 'cc'), { addresses: [], errors: [] });
  assert.deepEqual(parseAddressList('a@b.com', 'cc').addresses, [{ address: 'a@b.com', smtputf8: false }]);
  const r = parseAddressList(['a@b.com', { email: 'c@d.com' }, 'bad', { email: 'x@-y.com' }], 'to');
  assert.deepEqual(r.addresses.map((a) => a.address), ['a@b.com', 'c@d.com']);
  assert.deepEqual(r.errors, [
    { path: 'to[2]', message: 'missing @' },
    { path: 'to[3].email', message: 'domain label starts with a hyphen' },
  ]);
});

test('splitAddressList splits only at separating commas', () => {
  assert.deepEqual(splitAddressList('a@b.com, "Doe, J" <j@x.com>,<"x,y"@z.com> ,, '), [
    'a@b.com',
    '"Doe, J" <j@x.com>',
    '<"x,y"@z.com>',
  ]);
  assert.deepEqual(splitAddressList(''), []);
});

test('one canonical spelling: quotes that are not needed go, escapes only where needed', () => {
  for (const [input, expected] of [
    ['"e1-ra1"@sink.test', 'e1-ra1@sink.test'],
    ['"E1-RA1"@Sink.TEST', 'E1-RA1@sink.test'],
    ['"a.b"@x.com', 'a.b@x.com'],
    ['"\\a\\b"@x.com', 'ab@x.com'],
    ['"jöhn"@x.com', 'jöhn@x.com'],
    ['"a b"@x.com', '"a b"@x.com'],
    ['"a\\ b"@x.com', '"a b"@x.com'],
    ['"a..b"@x.com', '"a..b"@x.com'],
    ['".a"@x.com', '".a"@x.com'],
    ['"a\\"b"@x.com', '"a\\"b"@x.com'],
    ['"a\\\\b"@x.com', '"a\\\\b"@x.com'],
    ['"a,b"@x.com', '"a,b"@x.com'],
  ] as const) {
    assert.deepEqual(parseMailbox(input), { address: expected, smtputf8: !/^[\x00-\x7f]*$/.test(expected) }, input);
  }
});

test('quoted local parts an SMTP command cannot carry are refused at the door', () => {
  for (const [input, message] of [
    ['"x> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;evil@attacker.test <y"@sink.test', '"<" or ">"'],
    ['"a>b"@x.com', '"<" or ">"'],
    ['"a\\<b"@x.com', '"<" or ">"'],
    ['"x NOTIFY=NEVER"@sink.test', 'NAME='],
    ['"x\tORCPT=rfc822;y"@sink.test', 'control character'],
    ['"a\r\nRCPT TO:<b@c>"@x.com', 'line break'],
    ['"a\u0000b"@x.com', 'NUL'],
  ] as const) {
    const r = parseMailbox(input);
    assert.ok(isAddressError(r), `${JSON.stringify(input)} was accepted as ${JSON.stringify(r)}`);
    assert.ok(r.error.includes(message), `${JSON.stringify(input)}: "${r.error}" lacks "${message}"`);
  }
});
