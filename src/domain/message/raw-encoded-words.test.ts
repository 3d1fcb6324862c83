import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ingestRawMessage } from '../../ingress/raw-message.js';
import { rawEncodedWordErrors } from './raw-encoded-words.js';

test('finished messages: encoded words in displayed headers may not decode to line breaks or controls', () => {
  assert.deepEqual(rawEncodedWordErrors(['Subject: =?utf-8?B?eA0KQmNjOiB2QHgudGVzdA==?=', 'From: =?utf-8?Q?A=00?= <a@b.test>', 'X-Other: =?utf-8?Q?a=0Ab?=']), [
    { path: 'Subject', message: 'has an encoded word (RFC 2047) that decodes to a line break' },
    { path: 'From', message: 'has an encoded word (RFC 2047) that decodes to a NUL character' },
  ]);
  assert.deepEqual(rawEncodedWordErrors(['Subject: =?utf-8?B?R3LDvMOfZQ==?=', 'To: =?iso-8859-1?Q?Zo=EB?= <z@b.test>']), []);
  const r = ingestRawMessage(Buffer.from('From: a@b.test\r\nSubject: =?utf-8?Q?x=0D=0ABcc:_v@x.test?=\r\n\r\nbody\r\n'));
  assert.deepEqual(r.errors.map((e) => e.path), ['Subject']);
});
