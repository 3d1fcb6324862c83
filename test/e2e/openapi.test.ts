// The OpenAPI document: every route registered under /v1 is in it and documented, a real
// OpenAPI 3.1 validator accepts it, and the reference page renders it without script.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { buildOpenApi } from '../../src/ingress/http/openapi/document.js';
import { ROUTE_DOCS } from '../../src/ingress/http/openapi/routes.js';
import { startTxmail, type Harness } from '../support/harness.js';

let tx: Harness;

before(async () => {
  tx = await startTxmail();
});
after(() => tx.close());

async function fetchDoc(): Promise<{ status: number; doc: Record<string, unknown> }> {
  const res = await fetch(`${tx.url}/v1/openapi.json`);
  return { status: res.status, doc: (await res.json()) as Record<string, unknown> };
}

test('the document is public, OpenAPI 3.1, and a validator accepts it', async () => {
  const { status, doc } = await fetchDoc();
  assert.equal(status, 200);
  assert.equal(doc['openapi'], '3.1.0');
  const result = await new Validator().validate(doc as never);
  assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
  // The validator can say no: a path parameter `in: body` (OpenAPI 2 only).
  const broken = structuredClone(doc) as { paths: Record<string, Record<string, { parameters: Array<Record<string, unknown>> }>> };
  broken.paths['/v1/messages/{id}']!['get']!.parameters[0]!['in'] = 'body';
  assert.equal((await new Validator().validate(broken as never)).valid, false);
});

test('every registered /v1 route is in the document, documented, and nothing else is', async () => {
  const { doc } = await fetchDoc();
  const paths = doc['paths'] as Record<string, Record<string, { 'x-undocumented'?: boolean; operationId: string }>>;
  const inDoc = Object.entries(paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ':$1')}`));
  const undocumented = Object.entries(paths).flatMap(([p, ops]) => Object.entries(ops).filter(([, o]) => o['x-undocumented']).map(([m]) => `${m} ${p}`));
  assert.deepEqual(undocumented, [], 'add these routes to src/ingress/http/openapi/routes.ts');
  // Each documented operation is a route fastify can find (no stale entries in routes.ts) ...
  for (const key of inDoc) {
    const [method, url] = key.split(' ') as [string, string];
    assert.ok(tx.app.http!.hasRoute({ method: method as 'GET', url }), `${key} is not registered`);
  }
  assert.deepEqual(new Set(inDoc), new Set(Object.keys(ROUTE_DOCS)), 'routes.ts documents exactly the registered routes');
  // ... and operation ids are unique.
  const ids = Object.values(paths).flatMap((ops) => Object.values(ops).map((o) => o.operationId));
  assert.equal(new Set(ids).size, ids.length);
});

test('a route registered without documentation is caught', async () => {
  const { undocumented, document } = buildOpenApi([{ method: 'GET', url: '/v1/messages/:id' }, { method: 'POST', url: '/v1/queue/hold' }], ROUTE_DOCS, 'x');
  assert.deepEqual(undocumented, ['POST /v1/queue/hold']);
  assert.equal(document.paths['/v1/queue/hold']?.['post']?.['x-undocumented'], true);
});

test('a route a plugin registers under /v1 appears in the document', async (t) => {
  const other = await startTxmail({}, { httpPlugins: [async (app) => void app.get('/v1/extra/:thing', async () => ({}))] });
  t.after(() => other.close());
  const doc = (await (await fetch(`${other.url}/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, { 'x-undocumented'?: boolean }>> };
  assert.equal(doc.paths['/v1/extra/{thing}']?.['get']?.['x-undocumented'], true);
});

test('the reference page lists every operation, runs no script and loads nothing from elsewhere', async () => {
  const res = await fetch(`${tx.url}/v1/docs`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
  assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  const html = await res.text();
  assert.doesNotMatch(html, /<script|https?:\/\/(?!127\.0\.0\.1)/i);
  const { doc } = await fetchDoc();
  for (const ops of Object.values(doc['paths'] as Record<string, Record<string, { operationId: string }>>)) {
    for (const op of Object.values(ops)) assert.ok(html.includes(`id="${op.operationId}"`), op.operationId);
  }
  assert.match(html, /<code>\/v1\/messages<\/code>/);
});

// Bodies validated by hand: the documented field names are the ones the route knows. For each
// closed object schema, an unknown field must be refused by name, and no documented field may be
// called unknown (even when its value is wrong), so a field added or renamed on one side only fails.
test('documented request fields are exactly the fields each route accepts', async () => {
  const { doc } = await fetchDoc();
  const schemas = (doc['components'] as { schemas: Record<string, Record<string, unknown>> }).schemas;
  const resolve = (s: Record<string, unknown>): Record<string, unknown> => (typeof s['$ref'] === 'string' ? schemas[(s['$ref'] as string).split('/').pop()!]! : s);
  // Resources the routes with a path parameter look up before reading the body.
  const tpl = await tx.post('/v1/templates', { name: 'probe', subject: 'Hi', text: 'x' });
  const wh = await tx.post('/v1/webhooks', { url: 'https://hooks.example.com/x' });
  const ids: Record<string, string> = { ref: 'probe', id: String(wh.body['id']), version: '1', name: 'example.com', email: 'a@example.com' };
  const checked: string[] = [];
  for (const [path, ops] of Object.entries(doc['paths'] as Record<string, Record<string, { requestBody?: { content: Record<string, { schema: Record<string, unknown> }> } }>>)) {
    for (const [method, op] of Object.entries(ops)) {
      const schema = op.requestBody?.content['application/json']?.schema;
      if (!schema) continue;
      const body = resolve(schema);
      if (body['additionalProperties'] !== false) continue;
      const url = path.replace(/\{(\w+)\}/g, (_, p: string) => encodeURIComponent(ids[p]!));
      const fields = Object.keys(body['properties'] as object);
      const unknown = await tx.call(method.toUpperCase(), url, { zz_not_a_field: 1 });
      const paths = ((unknown.body['error'] as { fields?: Array<{ path: string }> } | undefined)?.fields ?? []).map((f) => f.path);
      assert.ok(paths.includes('zz_not_a_field'), `${method} ${path}: an unknown field is not refused by name (${unknown.status} ${JSON.stringify(unknown.body)})`);
      const all = await tx.call(method.toUpperCase(), url, Object.fromEntries(fields.map((f) => [f, { wrong: true }])));
      const called = ((all.body['error'] as { fields?: Array<{ path: string; message: string }> } | undefined)?.fields ?? []).filter((f) => /unknown field/.test(f.message) && !/[.[]/.test(f.path));
      assert.deepEqual(called, [], `${method} ${path}: documented fields the route does not know`);
      checked.push(`${method} ${path}`);
    }
  }
  assert.equal(tpl.status, 201);
  assert.ok(checked.length >= 10, checked.join(', '));
});
