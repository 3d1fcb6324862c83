// The native request validator against bad input: each case names the error code, the field
// path and a piece of the message it must produce. Accepted requests are in validate-ok.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TxError, type ErrorCode } from '../errors.js';
import { parseSendRequest, type SendLimits } from './validate.js';

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);
const LIMITS: SendLimits = { maxRecipients: 50, maxMessageBytes: 100_000, maxScheduleAheadMs: 3 * 86_400_000 };
const BASE = { from: 'sender@example.com', to: 'rcpt@example.org', subject: 'Hello', text: 'Hi' };

const PDF = Buffer.from('%PDF-1.4 fake').toString('base64');
const att = (a: Record<string, unknown>): Record<string, unknown> => ({ attachments: [{ filename: 'a.pdf', content: PDF, ...a }] });
const s = (n: number, c = 'x'): string => c.repeat(n);
const list = (n: number): string[] => Array.from({ length: n }, (_, i) => `r${i}@example.org`);

interface Bad {
  readonly name: string;
  /** Merged over BASE; a key set to undefined removes it. Not an object: sent as the body. */
  readonly body: unknown;
  readonly code: ErrorCode;
  /** The first field error's path; omitted for errors that are not about one field. */
  readonly path?: string;
  readonly message: string;
}

const BAD: readonly Bad[] = [
  // The body itself
  { name: 'array body', body: [BASE], code: 'TX_ERR_BAD_REQUEST', message: 'must be a JSON object' },
  { name: 'null body', body: null, code: 'TX_ERR_BAD_REQUEST', message: 'must be a JSON object' },
  { name: 'string body', body: '{"from":"a@b.com"}', code: 'TX_ERR_BAD_REQUEST', message: 'must be a JSON object' },
  { name: 'unknown top-level field', body: { foo: 1 }, code: 'TX_ERR_VALIDATION', path: 'foo', message: 'unknown field (allowed: from, to,' },
  { name: 'camelCase field', body: { replyTo: 'a@b.com' }, code: 'TX_ERR_VALIDATION', path: 'replyTo', message: 'did you mean "reply_to"?' },
  { name: 'capitalised field', body: { Subject: 'x', subject: undefined }, code: 'TX_ERR_VALIDATION', path: 'Subject', message: 'did you mean "subject"?' },
  // From
  { name: 'missing from', body: { from: undefined }, code: 'TX_ERR_VALIDATION', path: 'from', message: 'is required' },
  { name: 'from is a number', body: { from: 42 }, code: 'TX_ERR_VALIDATION', path: 'from', message: 'must be an address string or an object' },
  { name: 'from with injected Bcc', body: { from: 'x@y.com\r\nBcc: evil@x.com' }, code: 'TX_ERR_VALIDATION', path: 'from', message: 'contains a line break' },
  { name: 'CRLF in quoted display name', body: { from: '"Evil\r\nBcc: evil@x.com" <a@b.com>' }, code: 'TX_ERR_VALIDATION', path: 'from', message: 'contains a line break' },
  { name: 'LF in object display name', body: { from: { email: 'a@b.com', name: 'A\nBcc: evil@x.com' } }, code: 'TX_ERR_VALIDATION', path: 'from.name', message: 'display name contains a line break' },
  { name: 'unknown key in address object', body: { from: { email: 'a@b.com', nmae: 'A' } }, code: 'TX_ERR_VALIDATION', path: 'from.nmae', message: 'unknown field' },
  { name: 'address object without email', body: { from: { name: 'A' } }, code: 'TX_ERR_VALIDATION', path: 'from.email', message: 'is required' },
  { name: 'display form in email key', body: { from: { email: 'A <a@b.com>' } }, code: 'TX_ERR_VALIDATION', path: 'from.email', message: 'must be a bare address' },
  { name: 'display name too long', body: { from: { email: 'a@b.com', name: s(257) } }, code: 'TX_ERR_VALIDATION', path: 'from.name', message: 'longer than 256 characters' },
  // Recipients
  { name: 'no recipients at all', body: { to: undefined }, code: 'TX_ERR_VALIDATION', path: 'to', message: 'no recipients' },
  { name: 'empty recipient lists', body: { to: [], cc: [], bcc: null }, code: 'TX_ERR_VALIDATION', path: 'to', message: 'no recipients' },
  { name: 'third to is not an address', body: { to: ['a@b.com', 'c@d.com', 'nobody'] }, code: 'TX_ERR_VALIDATION', path: 'to[2]', message: 'missing @' },
  { name: 'double dot in object email', body: { to: [{ email: 'ok@x.com' }, { email: 'a..b@x.com' }] }, code: 'TX_ERR_VALIDATION', path: 'to[1].email', message: 'local part contains consecutive dots' },
  { name: 'leading dot', body: { to: '.a@x.com' }, code: 'TX_ERR_VALIDATION', path: 'to', message: 'local part starts with a dot' },
  { name: 'unbalanced quote', body: { to: '"abc@x.com' }, code: 'TX_ERR_VALIDATION', path: 'to', message: 'unbalanced quote' },
  { name: 'space outside quotes', body: { to: 'a b@x.com' }, code: 'TX_ERR_VALIDATION', path: 'to', message: 'local part contains a space outside quotes' },
  { name: 'local part over 64 octets', body: { bcc: `${s(65)}@x.com` }, code: 'TX_ERR_VALIDATION', path: 'bcc', message: 'local part longer than 64 octets' },
  { name: 'UTF-8 local part over 64 octets', body: { to: `${s(33, 'ü')}@x.com` }, code: 'TX_ERR_VALIDATION', path: 'to', message: 'local part longer than 64 octets' },
  { name: 'domain label over 63', body: { cc: `a@${s(64)}.com` }, code: 'TX_ERR_VALIDATION', path: 'cc', message: 'domain label longer than 63 characters' },
  { name: 'domain over 253', body: { to: `a@${[s(63), s(63), s(63), s(63)].join('.')}` }, code: 'TX_ERR_VALIDATION', path: 'to', message: 'domain longer than 253 characters' },
  { name: 'address over 254', body: { to: `${s(64)}@${[s(60), s(60), s(60), s(9)].join('.')}` }, code: 'TX_ERR_VALIDATION', path: 'to', message: 'address longer than 254 octets' },
  { name: 'leading hyphen label', body: { cc: 'a@-x.com' }, code: 'TX_ERR_VALIDATION', path: 'cc', message: 'domain label starts with a hyphen' },
  { name: 'single-label domain', body: { to: 'root@localhost' }, code: 'TX_ERR_VALIDATION', path: 'to', message: 'at least two labels' },
  { name: 'bare IP as domain', body: { to: 'a@192.0.2.1' }, code: 'TX_ERR_VALIDATION', path: 'to', message: 'top-level domain is all-numeric' },
  { name: 'bad IPv4 literal', body: { to: 'a@[999.0.0.1]' }, code: 'TX_ERR_VALIDATION', path: 'to', message: 'not a valid IPv4 address' },
  { name: 'underscore in domain', body: { to: 'a@my_host.com' }, code: 'TX_ERR_VALIDATION', path: 'to', message: 'domain contains an invalid character "_"' },
  { name: 'bogus punycode', body: { to: 'a@xn--zz.com' }, code: 'TX_ERR_VALIDATION', path: 'to', message: 'not valid Punycode' },
  { name: 'unconvertible IDN', body: { to: 'a@ex\u200dample.com' }, code: 'TX_ERR_VALIDATION', path: 'to', message: 'not a valid internationalised domain name' },
  { name: 'trailing junk after >', body: { to: 'Name <a@b.com> junk' }, code: 'TX_ERR_VALIDATION', path: 'to', message: 'text after the closing ">"' },
  { name: 'comma list in one string', body: { to: 'a@b.com, c@d.com' }, code: 'TX_ERR_VALIDATION', path: 'to', message: 'more than one address' },
  { name: 'bad reply_to', body: { reply_to: ['ok@x.com', 'x@'] }, code: 'TX_ERR_VALIDATION', path: 'reply_to[1]', message: 'domain is empty' },
  // Subject and content
  { name: 'missing subject', body: { subject: undefined }, code: 'TX_ERR_VALIDATION', path: 'subject', message: 'is required' },
  { name: 'blank subject', body: { subject: '   ' }, code: 'TX_ERR_VALIDATION', path: 'subject', message: 'must not be empty' },
  { name: 'subject header injection', body: { subject: 'Hi\r\nBcc: evil@x.com' }, code: 'TX_ERR_VALIDATION', path: 'subject', message: 'contains a line break' },
  { name: 'subject too long', body: { subject: s(999) }, code: 'TX_ERR_VALIDATION', path: 'subject', message: 'longer than 998 characters' },
  { name: 'no text or html', body: { text: undefined }, code: 'TX_ERR_VALIDATION', path: 'text', message: 'empty content' },
  { name: 'text and html both empty', body: { text: '', html: '' }, code: 'TX_ERR_VALIDATION', path: 'text', message: 'empty content' },
  { name: 'html not a string', body: { html: { body: 'x' } }, code: 'TX_ERR_VALIDATION', path: 'html', message: 'must be a string' },
  // Headers
  { name: 'header value injection', body: { headers: { 'X-Foo': 'x\r\nBcc: evil@x.com' } }, code: 'TX_ERR_VALIDATION', path: 'headers.X-Foo', message: 'contains a line break' },
  { name: 'header value bare LF', body: { headers: { 'X-Foo': 'x\nBcc: evil@x.com' } }, code: 'TX_ERR_VALIDATION', path: 'headers.X-Foo', message: 'contains a line break' },
  { name: 'header value NUL', body: { headers: { 'X-Foo': 'a\u0000' } }, code: 'TX_ERR_VALIDATION', path: 'headers.X-Foo', message: 'NUL' },
  { name: 'header name with CRLF', body: { headers: { 'X-A\r\nBcc': 'evil@x.com' } }, code: 'TX_ERR_VALIDATION', path: 'headers["X-A\\r\\nBcc"]', message: 'header name contains a line break' },
  { name: 'header name with colon', body: { headers: { 'X-Foo:': 'v' } }, code: 'TX_ERR_VALIDATION', path: 'headers["X-Foo:"]', message: 'header name contains ":"' },
  { name: 'forbidden Bcc header', body: { headers: { bcc: 'evil@x.com' } }, code: 'TX_ERR_VALIDATION', path: 'headers.bcc', message: 'cannot be set' },
  { name: 'forbidden Content-Type', body: { headers: { 'Content-Type': 'text/html' } }, code: 'TX_ERR_VALIDATION', path: 'headers.Content-Type', message: 'MIME composer' },
  { name: 'forbidden ARC-*', body: { headers: { 'ARC-Seal': 'i=1' } }, code: 'TX_ERR_VALIDATION', path: 'headers.ARC-Seal', message: 'RFC 8617' },
  { name: 'reserved X-Txmail-*', body: { headers: { 'x-txmail-tenant': 't2' } }, code: 'TX_ERR_VALIDATION', path: 'headers.x-txmail-tenant', message: 'reserved for txmail' },
  { name: 'forged DKIM-Signature', body: { headers: { 'DKIM-Signature': 'v=1' } }, code: 'TX_ERR_VALIDATION', path: 'headers.DKIM-Signature', message: 'cannot be set' },
  { name: 'headers as array', body: { headers: [{ name: 'X-A', value: '1' }] }, code: 'TX_ERR_VALIDATION', path: 'headers', message: 'must be an object' },
  // Attachments
  { name: 'attachments not an array', body: { attachments: { filename: 'a' } }, code: 'TX_ERR_VALIDATION', path: 'attachments', message: 'must be an array' },
  { name: 'attachment without filename', body: att({ filename: undefined }), code: 'TX_ERR_VALIDATION', path: 'attachments[0].filename', message: 'is required' },
  { name: 'filename with CRLF', body: att({ filename: 'a.pdf\r\nContent-Type: text/html' }), code: 'TX_ERR_VALIDATION', path: 'attachments[0].filename', message: 'contains a line break' },
  { name: 'filename with NUL', body: att({ filename: 'a.pdf\u0000.exe' }), code: 'TX_ERR_VALIDATION', path: 'attachments[0].filename', message: 'NUL' },
  { name: 'filename too long', body: att({ filename: `${s(252)}.pdf` }), code: 'TX_ERR_VALIDATION', path: 'attachments[0].filename', message: 'longer than 255 characters' },
  { name: 'garbage base64', body: att({ content: 'not base64!!' }), code: 'TX_ERR_VALIDATION', path: 'attachments[0].content', message: 'unexpected character " " at offset 3' },
  { name: 'base64 missing padding', body: att({ content: 'QUJD' + 'QQ' }), code: 'TX_ERR_VALIDATION', path: 'attachments[0].content', message: 'not a multiple of 4' },
  { name: 'base64url alphabet', body: att({ content: 'ab-_' }), code: 'TX_ERR_VALIDATION', path: 'attachments[0].content', message: 'base64url is not accepted' },
  { name: 'padding in the middle', body: att({ content: 'QQ==QUJD' }), code: 'TX_ERR_VALIDATION', path: 'attachments[0].content', message: 'padding in the middle' },
  { name: 'non-zero padding bits', body: att({ content: 'QR==' }), code: 'TX_ERR_VALIDATION', path: 'attachments[0].content', message: 'non-zero padding bits' },
  { name: 'empty content', body: att({ content: '' }), code: 'TX_ERR_VALIDATION', path: 'attachments[0].content', message: 'must not be empty' },
  { name: 'bad content_type', body: att({ content_type: 'pdf' }), code: 'TX_ERR_VALIDATION', path: 'attachments[0].content_type', message: 'must be a media type' },
  { name: 'content_id in brackets', body: att({ content_id: '<logo>' }), code: 'TX_ERR_VALIDATION', path: 'attachments[0].content_id', message: 'must not contain "<"' },
  { name: 'bad disposition', body: att({ disposition: 'attached' }), code: 'TX_ERR_VALIDATION', path: 'attachments[0].disposition', message: 'must be "attachment" or "inline"' },
  { name: 'multipart attachment type', body: att({ content_type: 'multipart/mixed; boundary=zz' }), code: 'TX_ERR_VALIDATION', path: 'attachments[0].content_type', message: 'must not be a multipart/* or message/* type' },
  { name: 'message/rfc822 attachment type', body: att({ content_type: 'Message/RFC822' }), code: 'TX_ERR_VALIDATION', path: 'attachments[0].content_type', message: 'must not be a multipart/* or message/* type' },
  { name: 'encoded word in filename decodes to CRLF', body: att({ filename: '=?utf-8?B?YS5wZGYNCkNvbnRlbnQtVHlwZTogdGV4dC9odG1s?=' }), code: 'TX_ERR_VALIDATION', path: 'attachments[0].filename', message: 'encoded word (RFC 2047) that decodes to a line break' },
  // Pre-encoded words (RFC 2047) are held to the rules of the text a mail client decodes them to
  { name: 'encoded subject decodes to a Bcc line', body: { subject: '=?utf-8?B?eA0KQmNjOiB2aWN0aW1AeC50ZXN0?=' }, code: 'TX_ERR_VALIDATION', path: 'subject', message: 'encoded word (RFC 2047) that decodes to a line break' },
  { name: 'Q-encoded subject with a CR', body: { subject: 'Hello =?us-ascii?Q?x=0Dy?=' }, code: 'TX_ERR_VALIDATION', path: 'subject', message: 'decodes to a line break' },
  { name: 'encoded header value with LF', body: { headers: { 'X-Note': '=?utf-8?Q?a=0AX-Evil:_1?=' } }, code: 'TX_ERR_VALIDATION', path: 'headers.X-Note', message: 'decodes to a line break' },
  { name: 'encoded display name shows another address', body: { from: { email: 'a@b.com', name: '=?utf-8?Q?ceo@bank.test?=' } }, code: 'TX_ERR_VALIDATION', path: 'from.name', message: 'shows the address "ceo@bank.test"' },
  { name: 'quoted display name shows another address', body: { to: '"support@bank.test" <x@example.org>' }, code: 'TX_ERR_VALIDATION', path: 'to', message: 'shows the address "support@bank.test"' },
  { name: 'header value that cannot be folded within 998 octets', body: { headers: { 'X-Long': 'z'.repeat(991) } }, code: 'TX_ERR_VALIDATION', path: 'headers.X-Long', message: 'a line can hold 990 (RFC 5322 §2.1.1)' },
  { name: 'camelCase attachment key', body: att({ contentType: 'application/pdf' }), code: 'TX_ERR_VALIDATION', path: 'attachments[0].contentType', message: 'did you mean "content_type"?' },
  // Tags and metadata
  { name: 'too many tags', body: { tags: list(11) }, code: 'TX_ERR_VALIDATION', path: 'tags', message: 'more than 10 tags' },
  { name: 'tag with LF', body: { tags: ['ok', 'a\nb'] }, code: 'TX_ERR_VALIDATION', path: 'tags[1]', message: 'contains a line break' },
  { name: 'empty tag', body: { tags: [''] }, code: 'TX_ERR_VALIDATION', path: 'tags[0]', message: 'must not be empty' },
  { name: 'tag too long', body: { tags: [s(129)] }, code: 'TX_ERR_VALIDATION', path: 'tags[0]', message: 'longer than 128' },
  { name: 'metadata value not string', body: { metadata: { order: 42 } }, code: 'TX_ERR_VALIDATION', path: 'metadata.order', message: 'must be a string' },
  { name: 'too many metadata keys', body: { metadata: Object.fromEntries(list(51).map((k) => [k, 'v'])) }, code: 'TX_ERR_VALIDATION', path: 'metadata', message: 'more than 50 keys' },
  { name: 'metadata key too long', body: { metadata: { [s(129)]: 'v' } }, code: 'TX_ERR_VALIDATION', path: `metadata.${s(129)}`, message: 'key longer than 128' },
  { name: 'metadata over 10 KB', body: { metadata: { a: s(6000), b: s(6000) } }, code: 'TX_ERR_VALIDATION', path: 'metadata', message: 'larger than 10 KB' },
  // Scheduling
  { name: 'send_at free text', body: { send_at: 'tomorrow' }, code: 'TX_ERR_VALIDATION', path: 'send_at', message: 'must be an ISO-8601 timestamp' },
  { name: 'send_at without zone', body: { send_at: '2025-01-15T13:00:00' }, code: 'TX_ERR_VALIDATION', path: 'send_at', message: 'has no time zone' },
  { name: 'send_at date only', body: { send_at: '2025-01-16' }, code: 'TX_ERR_VALIDATION', path: 'send_at', message: 'must be an ISO-8601 timestamp' },
  { name: 'send_at 30 February', body: { send_at: '2025-02-30T10:00:00Z' }, code: 'TX_ERR_VALIDATION', path: 'send_at', message: 'not a real calendar date' },
  { name: 'send_at hour 24', body: { send_at: '2025-01-16T24:00:00Z' }, code: 'TX_ERR_VALIDATION', path: 'send_at', message: 'not a real time of day' },
  { name: 'send_at too far ahead', body: { send_at: '2025-01-18T12:00:01Z' }, code: 'TX_ERR_VALIDATION', path: 'send_at', message: 'more than 3 days in the future' },
  { name: 'send_at in milliseconds', body: { send_at: NOW + 60_000 }, code: 'TX_ERR_VALIDATION', path: 'send_at', message: 'in seconds, not milliseconds' },
  { name: 'send_at negative', body: { send_at: -1 }, code: 'TX_ERR_VALIDATION', path: 'send_at', message: 'non-negative' },
  { name: 'send_at boolean', body: { send_at: true }, code: 'TX_ERR_VALIDATION', path: 'send_at', message: 'must be an ISO-8601 timestamp string or a number' },
  // Request-wide limits
  { name: 'too many recipients', body: { to: list(20), cc: list(20), bcc: list(11) }, code: 'TX_ERR_TOO_MANY_RECIPIENTS', message: '51 recipients; the limit is 50' },
  { name: 'too large text', body: { text: s(100_001) }, code: 'TX_ERR_TOO_LARGE', message: 'the limit is 100000 bytes' },
  { name: 'too large attachment', body: att({ content: Buffer.alloc(75_000).toString('base64') }), code: 'TX_ERR_TOO_LARGE', message: 'the limit is 100000 bytes' },
];

function merged(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  return Object.fromEntries(Object.entries({ ...BASE, ...body }).filter(([, v]) => v !== undefined));
}

test(`${BAD.length} bad requests are refused with the right code, path and message`, async (t) => {
  assert.ok(BAD.length >= 40);
  for (const c of BAD) {
    await t.test(c.name, () => {
      assert.throws(
        () => parseSendRequest(merged(c.body), LIMITS, NOW),
        (err: unknown) => {
          assert.ok(err instanceof TxError, `not a TxError: ${String(err)}`);
          assert.equal(err.code, c.code, err.message);
          const first = err.fields[0];
          if (c.path === undefined) {
            assert.equal(err.fields.length, 0);
            assert.ok(err.message.includes(c.message), `"${err.message}" lacks "${c.message}"`);
          } else {
            assert.deepEqual({ path: first?.path, ok: first?.message.includes(c.message) }, { path: c.path, ok: true }, JSON.stringify(err.fields));
          }
          return true;
        },
      );
    });
  }
});

test('every field error is reported, not just the first', () => {
  const body = { from: 'bad', to: ['ok@x.com', 'a@-b.com'], subject: '', headers: { Date: 'x' }, tags: 'one', extra: 1 };
  const err = (() => {
    try {
      parseSendRequest(body, LIMITS, NOW);
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  assert.ok(err instanceof TxError);
  assert.deepEqual(
    err.fields.map((f) => f.path),
    ['extra', 'from', 'to[1]', 'subject', 'text', 'headers.Date', 'tags'],
  );
  assert.equal(err.message, 'Invalid request: extra: unknown field (allowed: from, to, cc, bcc, reply_to, subject, text, html, headers, attachments, tags, metadata, send_at, bulk, template_id, template_version, template_data, recipient_data, template_strict, tracking) (and 6 more)');
  assert.equal(err.status, 422);
});
