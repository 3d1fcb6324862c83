// Stored templates over the native API: CRUD, versions and the active version, preview,
// strict mode, and sends that render each recipient's own data, delivered to a sink.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mintApiKey } from '../../src/ingress/auth.js';
import { startSink, type Sink } from '../support/sink.js';
import { sinkRoute, startTxmail, type Harness } from '../support/harness.js';

let sink: Sink;
let tx: Harness;
let sendKey: string;

before(async () => {
  sink = await startSink({ tls: 'none' });
  tx = await startTxmail({ 'delivery.routes': [sinkRoute(sink.port)] });
  const { key, record } = mintApiKey(tx.tenantId, 'sender', ['send', 'read'], Date.now());
  await tx.app.store.createApiKey(record);
  sendKey = key;
});
after(async () => {
  await tx.close();
  await sink.close();
});

const errorOf = (body: Record<string, unknown>): { code: string; message: string; fields: Array<{ path: string; message: string }> } =>
  body.error as { code: string; message: string; fields: Array<{ path: string; message: string }> };

const RECEIPT = {
  name: 'receipt',
  subject: 'Receipt {{order.id}} for {{name}}',
  html: '<h1>Thanks, {{name}}!</h1>{{#if vip}}<p>VIP</p>{{/if}}<ul>{{#each items}}<li>{{title}}: {{price}}</li>{{/each}}</ul>{{{signature}}}',
};

test('create, read, list, version, activate, rename and delete a template', async () => {
  const created = await tx.post('/v1/templates', RECEIPT);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.id as string;
  assert.match(id, /^d-[0-9a-f]{32}$/);
  assert.equal(created.body.active_version, 1);
  assert.equal((created.body.active as { html: string }).html, RECEIPT.html);

  assert.equal((await tx.post('/v1/templates', RECEIPT)).status, 409, 'the name is taken');
  const byName = await tx.get('/v1/templates/receipt');
  assert.equal(byName.body.id, id);

  const v2 = await tx.post(`/v1/templates/${id}/versions`, { subject: 'v2 {{name}}', text: 'Hi {{name}}', activate: false });
  assert.equal(v2.status, 201, JSON.stringify(v2.body));
  assert.deepEqual([v2.body.version, v2.body.active], [2, false]);
  assert.equal((await tx.get(`/v1/templates/${id}`)).body.active_version, 1, 'a version added with activate:false is not used yet');
  const v3 = await tx.post(`/v1/templates/${id}/versions`, { subject: 'v3', html: '<p>3</p>' });
  assert.deepEqual([v3.body.version, v3.body.active], [3, true]);
  const list = await tx.get(`/v1/templates/${id}/versions`);
  assert.deepEqual((list.body.versions as Array<{ version: number }>).map((v) => v.version), [3, 2, 1]);
  assert.equal((await tx.get(`/v1/templates/${id}/versions/2`)).body.subject, 'v2 {{name}}');
  assert.equal((await tx.get(`/v1/templates/${id}/versions/9`)).status, 404);

  const act = await tx.post(`/v1/templates/${id}/versions/1/activate`, undefined);
  assert.equal(act.status, 200, JSON.stringify(act.body));
  assert.equal(act.body.active_version, 1);
  assert.equal((await tx.post(`/v1/templates/${id}/versions/7/activate`, undefined)).status, 404);

  const tmp = await tx.post('/v1/templates', { name: 'tmp', subject: 's', text: 't' });
  const renamed = await tx.call('PATCH', `/v1/templates/${tmp.body.id as string}`, { name: 'tmp2' });
  assert.equal(renamed.body.name, 'tmp2');
  assert.equal((await tx.call('PATCH', `/v1/templates/tmp2`, { name: 'receipt' })).status, 409);
  const names = ((await tx.get('/v1/templates')).body.templates as Array<{ name: string }>).map((t) => t.name);
  assert.ok(names.includes('receipt') && names.includes('tmp2'));
  assert.equal((await tx.call('DELETE', '/v1/templates/tmp2')).status, 204);
  assert.equal((await tx.get('/v1/templates/tmp2')).status, 404);
});

test('bad templates are refused with the field at fault; a send key may not change templates', async () => {
  const syntax = await tx.post('/v1/templates', { name: 'broken', subject: 'ok', html: '<p>{{#if x}}</p>' });
  assert.equal(syntax.status, 422);
  assert.equal(errorOf(syntax.body).code, 'TX_ERR_TEMPLATE_INVALID');
  assert.deepEqual(errorOf(syntax.body).fields.map((f) => f.path), ['html']);
  const shape = await tx.post('/v1/templates', { name: 'd-0123456789abcdef0123456789abcdef', subject: '', html: 5, colour: 'red' });
  assert.equal(shape.status, 422);
  assert.deepEqual(errorOf(shape.body).fields.map((f) => f.path).sort(), ['colour', 'html', 'name', 'subject']);
  const forbidden = await tx.post('/v1/templates', { name: 'x', subject: 's', text: 't' }, { authorization: `Bearer ${sendKey}` });
  assert.equal(forbidden.status, 403);
  assert.equal((await tx.get('/v1/templates', { authorization: `Bearer ${sendKey}` })).status, 200, 'but may read them');
});

test('preview renders a stored version or inline sources; strict mode names the missing variable', async () => {
  const p = await tx.post('/v1/templates/receipt/preview', { data: { name: 'Zoë <3', order: { id: 7 }, items: [{ title: 'Tea', price: '€3' }], signature: '<i>s</i>' } });
  assert.equal(p.status, 200, JSON.stringify(p.body));
  assert.equal(p.body.subject, 'Receipt 7 for Zoë <3');
  assert.equal(p.body.html, '<h1>Thanks, Zoë &lt;3!</h1><ul><li>Tea: €3</li></ul><i>s</i>');
  assert.match(p.body.text as string, /THANKS, ZOË <3!/i);
  assert.equal(p.body.version, 1);
  const v2 = await tx.post('/v1/templates/receipt/preview', { version: 2, data: { name: 'A' } });
  assert.deepEqual([v2.body.subject, v2.body.text, v2.body.html], ['v2 A', 'Hi A', undefined]);

  const lenient = await tx.post('/v1/templates/receipt/preview', { data: {} });
  assert.equal(lenient.body.subject, 'Receipt  for');
  const strict = await tx.post('/v1/templates/receipt/preview', { data: { order: { id: 1 } }, strict: true });
  assert.equal(strict.status, 422);
  assert.equal(errorOf(strict.body).code, 'TX_ERR_TEMPLATE_MISSING_VARIABLE');
  assert.match(errorOf(strict.body).message, /"name"/);

  const inline = await tx.post('/v1/templates/preview', { subject: 'Hi {{who}}', html: '<b>{{who}}</b>', data: { who: 'you & me' } });
  assert.deepEqual([inline.body.subject, inline.body.html, inline.body.text], ['Hi you & me', '<b>you &amp; me</b>', 'you & me']);
  assert.equal((await tx.post('/v1/templates/nope/preview', { data: {} })).status, 422);
});

test('a native send with a template renders each recipient’s own data', async () => {
  const res = await tx.post('/v1/messages', {
    from: 'Shop <shop@sender.test>',
    to: ['ann@tpl.test', 'bob@tpl.test'],
    template_id: 'receipt',
    template_data: { order: { id: 'A-1' }, items: [{ title: 'Tea', price: '3' }], signature: '<hr>' },
    recipient_data: { 'ann@tpl.test': { name: 'Ann', vip: true }, 'BOB@tpl.test': { name: 'Bob' } },
    template_strict: true,
  });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  await tx.waitForStates(res.body.id as string, ['delivered']);
  const got = await sink.waitFor(2, 15_000, (m) => m.to.some((t) => t.endsWith('@tpl.test')));
  const byRcpt = new Map(await Promise.all(got.map(async (m) => [m.to[0]!, await m.parse()] as const)));
  assert.equal(byRcpt.get('ann@tpl.test')?.subject, 'Receipt A-1 for Ann');
  assert.equal(byRcpt.get('bob@tpl.test')?.subject, 'Receipt A-1 for Bob');
  assert.match(String(byRcpt.get('ann@tpl.test')?.html), /Thanks, Ann!<\/h1><p>VIP<\/p><ul><li>Tea: 3<\/li><\/ul><hr>/);
  assert.doesNotMatch(String(byRcpt.get('bob@tpl.test')?.html), /VIP|Ann/);
  assert.match(byRcpt.get('bob@tpl.test')?.text ?? '', /THANKS, BOB!/i, 'a text part made from the HTML');
  assert.equal(got.length, 2, 'one transaction per recipient: their contents differ');
});

test('template send errors: unknown template, strict mode, contradicting fields, stray recipient data', async () => {
  const base = { from: 'shop@sender.test', to: 'x@tpl.test' };
  const unknown = await tx.post('/v1/messages', { ...base, template_id: 'nope' });
  assert.equal(unknown.status, 422);
  assert.equal(errorOf(unknown.body).code, 'TX_ERR_TEMPLATE_NOT_FOUND');
  const strict = await tx.post('/v1/messages', { ...base, template_id: 'receipt', template_data: { order: { id: 1 } }, template_strict: true });
  assert.equal(strict.status, 422);
  assert.equal(errorOf(strict.body).code, 'TX_ERR_TEMPLATE_MISSING_VARIABLE');
  assert.deepEqual(errorOf(strict.body).fields.map((f) => f.path), ['template_data.name']);
  const both = await tx.post('/v1/messages', { ...base, template_id: 'receipt', subject: 'x', recipient_data: { 'other@tpl.test': {} } });
  assert.equal(both.status, 422);
  assert.deepEqual(errorOf(both.body).fields.map((f) => f.path).sort(), ['recipient_data["other@tpl.test"]', 'subject']);
  const orphan = await tx.post('/v1/messages', { ...base, subject: 's', text: 't', template_data: {} });
  assert.deepEqual(errorOf(orphan.body).fields.map((f) => f.path), ['template_data']);
});
