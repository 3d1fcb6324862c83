// The From and Sender reader behind the sender check of finished messages (SMTP, SES Raw): the
// shapes the hostile-tenant sweep used to slip a foreign From past the envelope check.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitHeaders } from './raw-headers.js';
import { authorDomains, messageAuthor } from './author.js';

const author = (head: string): ReturnType<typeof messageAuthor> => messageAuthor(splitHeaders(Buffer.from(`${head}\r\n\r\nbody\r\n`, 'utf8')).lines);
const paths = (head: string): string[] => author(head).errors.map((e) => `${e.path}: ${e.message}`);

test('one From with one address is read, with its display name, folded or not', () => {
  const a = author('From: Tenant B billing <billing@Hostile-B.test>\r\nSubject: x');
  assert.equal(a.from?.address, 'billing@hostile-b.test');
  assert.deepEqual(authorDomains(a), [{ path: 'From', domain: 'hostile-b.test' }]);
  assert.deepEqual(authorDomains(author('Subject: x\r\nFrom: "Shop"\r\n <shop@acme.test>')), [{ path: 'From', domain: 'acme.test' }]);
  assert.deepEqual(authorDomains(author('From: shop@acme.test\r\nSender: ops@mail.acme.test')), [
    { path: 'From', domain: 'acme.test' },
    { path: 'Sender', domain: 'mail.acme.test' },
  ]);
});

test('ambiguous authors are refused: none, two fields, two addresses, a group, a spoofing display name, an unreadable value', () => {
  assert.match(paths('Subject: x').join(), /From: the message has no From header/);
  assert.match(paths('From: a@acme.test\r\nFrom: b@hostile-b.test').join(), /From: the message has 2 From header fields/);
  assert.match(paths('From: a@acme.test\r\nfrom : b@hostile-b.test').join(), /2 From header fields/, 'white space before the colon still makes a From field');
  assert.match(paths('From: a@acme.test, ceo@bank.example').join(), /From: the From header names 2 addresses/);
  assert.match(paths('From: Team: a@acme.test, ceo@bank.example;').join(), /names 2 addresses/);
  assert.match(paths('From: ceo@bank.example <a@acme.test>').join(), /From: the From header cannot be read as one address/);
  assert.match(paths('From:').join(), /From: the From header is empty/);
  assert.match(paths('From: a@acme.test\r\nSender: x@a.test\r\nSender: y@b.test').join(), /Sender: the message has 2 Sender header fields/);
  assert.match(paths('From: a@acme.test\r\nSender: x@a.test, y@b.test').join(), /Sender: the Sender header names 2 addresses/);
});
