import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TxError } from '../../domain/errors.js';
import { formatDate } from './helpers.js';
import { CompiledTemplate, htmlToText, RenderBudget } from './render.js';

const code = (fn: () => unknown): { code: string; message: string; fields: readonly { path: string }[] } => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof TxError, String(e));
    return e;
  }
  assert.fail('expected a TxError');
};

test('variables, conditionals, loops and raw output, SendGrid style; HTML escaped by default', () => {
  const t = new CompiledTemplate({
    subject: 'Order {{order.id}} for {{name}}',
    html: '<p>Hi {{name}}</p>{{#if vip}}<b>VIP</b>{{else}}<i>std</i>{{/if}}<ul>{{#each items}}<li>{{this.title}} × {{qty}}</li>{{/each}}</ul>{{{footer}}}',
    text: null,
  });
  const r = t.render({ name: 'Ann & <Bob>', order: { id: 42 }, vip: false, items: [{ title: 'Tea', qty: 2 }, { title: 'Pot', qty: 1 }], footer: '<hr>' }, false);
  assert.equal(r.subject, 'Order 42 for Ann & <Bob>', 'the subject is not HTML: nothing escaped');
  assert.equal(r.html, '<p>Hi Ann &amp; &lt;Bob&gt;</p><i>std</i><ul><li>Tea × 2</li><li>Pot × 1</li></ul><hr>');
  assert.match(r.text ?? '', /Hi Ann & <Bob>/, 'a text part is made from the HTML');
  assert.match(r.text ?? '', /Tea × 2/);
});

test('a given text template is used as is, unescaped', () => {
  const r = new CompiledTemplate({ subject: 's', html: '<p>{{x}}</p>', text: 'x={{x}}' }).render({ x: 'a<b' }, false);
  assert.equal(r.text, 'x=a<b');
  assert.equal(r.html, '<p>a&lt;b</p>');
});

test('missing variables render empty by default; strict mode names the first one', () => {
  const t = new CompiledTemplate({ subject: 'Hi {{name}}', html: '<p>{{#if promo}}{{promo}}{{/if}}</p>\n<p>{{order.total}}</p>', text: null });
  assert.deepEqual(t.render({ order: {} }, false).subject, 'Hi');
  const e1 = code(() => t.render({ order: { total: 1 } }, true));
  assert.equal(e1.code, 'TX_ERR_TEMPLATE_MISSING_VARIABLE');
  assert.match(e1.message, /"name" \(subject line 1, column 6\)/);
  const e2 = code(() => t.render({ name: 'x', order: {} }, true));
  assert.match(e2.message, /"order\.total" \(html line 2/);
  assert.deepEqual(e2.fields.map((f) => f.path), ['template_data.order.total']);
  // An {{#if}} on a missing value is a question, not a use: strict mode lets it through.
  assert.equal(t.render({ name: 'x', order: { total: 3 } }, true).html, '<p></p>\n<p>3</p>');
});

test('a syntax error is reported when compiling, naming the part', () => {
  const e = code(() => new CompiledTemplate({ subject: 'ok', html: '<p>{{#if x}}</p>', text: null }));
  assert.equal(e.code, 'TX_ERR_TEMPLATE_INVALID');
  assert.deepEqual(e.fields.map((f) => f.path), ['html']);
  const unknownHelper = new CompiledTemplate({ subject: '{{shout name}}', html: null, text: 't' });
  assert.equal(code(() => unknownHelper.render({ name: 'x' }, false)).code, 'TX_ERR_TEMPLATE_INVALID');
});

test('data cannot break out of the subject line, nor reach prototypes', () => {
  const r = new CompiledTemplate({ subject: 'Hi {{name}}', html: '{{constructor}}{{__proto__}}', text: null }).render({ name: 'x\r\nBcc: evil@example.com' }, false);
  assert.equal(r.subject, 'Hi x Bcc: evil@example.com');
  assert.equal(r.html, '');
  // Nor as an encoded word (RFC 2047) that a mail client would decode to a line break.
  const encoded = new CompiledTemplate({ subject: 'Hi {{name}}', html: null, text: 't' }).render({ name: '=?utf-8?B?eA0KQmNjOiBldmlsQGV4YW1wbGUuY29t?=' }, false);
  assert.equal(encoded.subject, 'Hi x Bcc: evil@example.com');
});

test('SendGrid helpers: comparisons as blocks and subexpressions, insert, length, formatDate', () => {
  const t = new CompiledTemplate({
    subject: '{{#equals plan "pro"}}Pro{{else}}Free{{/equals}} {{insert name "default=Customer"}}',
    html:
      '{{#greaterThan total 100}}big{{/greaterThan}}|{{#lessThan total "100"}}small{{/lessThan}}|{{#and a b}}both{{else}}not both{{/and}}|' +
      '{{#or a b}}one{{/or}}|{{length items}}|{{#if (notEquals plan "pro")}}upgrade{{/if}}|{{formatDate at "dddd, MMMM D, YYYY h:mm A"}}',
    text: null,
  });
  const r = t.render({ plan: 'free', total: 42, a: true, b: [], items: [1, 2, 3], at: '2024-02-29T15:04:05Z' }, false);
  assert.equal(r.subject, 'Free Customer');
  assert.equal(r.html, '|small|not both|one|3|upgrade|Thursday, February 29, 2024 3:04 PM');
});

test('formatDate takes epoch seconds or ms and a fixed offset', () => {
  assert.equal(formatDate(1_700_000_000, 'YYYY-MM-DD HH:mm:ss ZZ'), '2023-11-14 22:13:20 +0000');
  assert.equal(formatDate(1_700_000_000_000, 'YYYY-MM-DD HH:mm Z', '-0800'), '2023-11-14 14:13 -08:00');
  assert.equal(formatDate('not a date', 'YYYY'), 'not a date');
});

test('rendering is bounded: nested loops, repeated big strings and huge templates are refused, naming the part', () => {
  const items = Array.from({ length: 200 }, (_, i) => ({ n: i }));
  const limits = { maxOutputChars: 1024 * 1024, maxWorkChars: 4 * 1024 * 1024 };
  // The 522-byte preview that wrote 97 MB: three nested loops over 200 items.
  const nested = new CompiledTemplate({ subject: 's', html: '{{#each items}}{{#each ../items}}{{#each ../../items}}<p>{{n}}</p>{{/each}}{{/each}}{{/each}}', text: null });
  const e1 = code(() => nested.render({ items }, false, new RenderBudget(limits)));
  assert.equal(e1.code, 'TX_ERR_TEMPLATE_TOO_LARGE');
  assert.deepEqual(e1.fields.map((f) => f.path), ['html']);
  assert.match(e1.message, /templates\.max_work_chars/);
  // No block at all: one big string written many times is charged as it is read.
  const repeated = new CompiledTemplate({ subject: 's', html: null, text: '{{{b}}}'.repeat(1000) });
  const e2 = code(() => repeated.render({ b: 'x'.repeat(100_000) }, false, new RenderBudget(limits)));
  assert.deepEqual([e2.code, e2.fields[0]?.path], ['TX_ERR_TEMPLATE_TOO_LARGE', 'text']);
  // Within the work budget but over the output limit.
  const e3 = code(() => repeated.render({ b: 'x'.repeat(2000) }, false, new RenderBudget(limits)));
  assert.deepEqual([e3.code, e3.fields[0]?.path], ['TX_ERR_TEMPLATE_TOO_LARGE', 'text']);
  assert.match(e3.message, /more than 1048576 characters \(templates\.max_output_chars\)/);
  // The renderings of one request share a budget: many recipients do not multiply it.
  const shared = new RenderBudget(limits);
  const small = new CompiledTemplate({ subject: 's', html: '{{#each items}}<p>{{n}} {{../name}}</p>{{/each}}', text: null });
  assert.throws(() => {
    for (let i = 0; i < 1000; i++) small.render({ items, name: 'x'.repeat(100) }, false, shared);
  }, (e: unknown) => e instanceof TxError && e.code === 'TX_ERR_TEMPLATE_TOO_LARGE');
  // What a template does within the budget is unchanged by the metering.
  const ok = small.render({ items: items.slice(0, 3), name: 'Ann' }, false, new RenderBudget(limits));
  assert.equal(ok.html, '<p>0 Ann</p><p>1 Ann</p><p>2 Ann</p>');
  // A template too big to compile quickly is refused when it is checked (saved or previewed).
  const e4 = code(() => new CompiledTemplate({ subject: 's', html: '{{{b}}}'.repeat(6000), text: null }));
  assert.deepEqual([e4.code, e4.fields[0]?.path], ['TX_ERR_TEMPLATE_TOO_LARGE', 'html']);
});

test('HTML nested deeper than the text converter walks is cut, not a stack overflow', () => {
  const text = htmlToText('<div>'.repeat(20_000) + 'deep' + '</div>'.repeat(20_000) + '<p>after</p>');
  assert.match(text, /after/);
});
