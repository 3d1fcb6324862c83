// Tenants through the API with a platform key; tenant isolation: a tenant's admin key, swept over
// every /v1 route with another tenant's ids, gets 404 everywhere.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { mintApiKey } from '../../src/ingress/auth.js';
import { startSink } from '../support/sink.js';
import { sinkRoute, startTxmail } from '../support/harness.js';

const cleanup: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

/** Method and path of every route, from fastify's route tree (4 columns per level). */
function routesOf(tree: string): Array<{ method: string; path: string }> {
  const out: Array<{ method: string; path: string }> = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^([│ ]*)[├└]── (.*?) \(([A-Z, ]+)\)$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    stack.push(m[2]!);
    for (const method of m[3]!.split(', ')) if (method !== 'HEAD') out.push({ method, path: stack.join('') });
  }
  return out;
}

const BODIES: Record<string, unknown> = {
  'PATCH /v1/templates/:ref': { name: 'renamed' },
  'POST /v1/templates/:ref/versions': { subject: 's', text: 't' },
  'POST /v1/webhooks/:id/replay': { from: '2020-01-01T00:00:00Z', to: '2020-01-02T00:00:00Z' },
  'PATCH /v1/webhooks/:id': { enabled: false },
};

test('a platform key manages tenants; a tenant key sees nothing of another tenant (404 on every /v1 route)', async () => {
  const sink = await startSink({ tls: 'none' });
  cleanup.push(() => sink.close());
  const h = await startTxmail({ 'delivery.routes': [sinkRoute(sink.port)], 'webhooks.allow_private_targets': true });
  cleanup.push(() => h.close());
  const p = mintApiKey(h.tenantId, 'platform', ['admin', 'send', 'read', 'platform'], Date.now());
  await h.app.store.createApiKey(p.record);
  const asPlatform = { authorization: `Bearer ${p.key}` };

  assert.equal((await h.get('/v1/tenants')).status, 403, 'a tenant admin key is not a platform key');
  const created = await h.call('POST', '/v1/tenants', { name: 'acme' }, asPlatform);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const acme = created.body.id as string;
  assert.equal((await h.call('POST', '/v1/tenants', { name: 'acme' }, asPlatform)).status, 409);
  assert.equal((await h.call('POST', '/v1/tenants', { name: '' }, asPlatform)).status, 422);
  const minted = await h.call('POST', `/v1/tenants/${acme}/keys`, { name: 'acme admin', scopes: ['admin', 'send', 'read'] }, asPlatform);
  assert.equal(minted.status, 201, JSON.stringify(minted.body));
  const asAcme = { authorization: `Bearer ${minted.body.key as string}` };
  assert.equal((await h.call('POST', `/v1/tenants/${acme}/keys`, { name: 'x', scopes: ['platform'] }, asPlatform)).status, 422);

  // The default tenant's things, by id.
  const msg = await h.post('/v1/messages', { from: 'app@sender.test', to: 'a@held.test', subject: 's', text: 't' });
  const hold = await h.post('/v1/queue/hold', { destination: 'held.test', reason: 'r' });
  const tpl = await h.post('/v1/templates', { name: 'welcome', subject: 'Hi', text: 'Hello' });
  const wh = await h.post('/v1/webhooks', { url: 'http://127.0.0.1:9/hook' });
  assert.equal(wh.status, 201, JSON.stringify(wh.body));
  await h.post('/v1/suppressions', { addresses: [{ email: 'gone@example.com' }] });
  const ids: Record<string, string> = {
    '/v1/messages/:id': msg.body.id as string,
    '/v1/queue/messages/:id': msg.body.id as string,
    '/v1/queue/holds/:id': (hold.body.hold as { id: string }).id,
    ':ref': (tpl.body.id as string | undefined) ?? 'welcome',
    ':version': '1',
    '/v1/webhooks/:id': wh.body.id as string,
    '/v1/tenants/:id': h.tenantId,
    ':email': 'gone@example.com',
    ':name': 'sender.test',
  };
  const fill = (path: string): string =>
    path.replace(/:(\w+)/g, (param, _n, at: number) => {
      const prefix = path.slice(0, at) + param;
      const key = Object.keys(ids).find((k) => prefix.endsWith(k)) ?? param;
      return encodeURIComponent(ids[key] ?? param);
    });

  const routes = routesOf(h.app.http!.printRoutes({ commonPrefix: false })).filter((r) => r.path.startsWith('/v1/') && r.path.includes(':'));
  assert.ok(routes.length >= 20, `found ${routes.length} routes with ids`);
  const leaks: string[] = [];
  for (const r of routes) {
    if (r.path === '/v1/queue/:action') continue;
    // A body that passes validation, so only the id can fail.
    const body = r.method === 'GET' || r.method === 'DELETE' ? undefined : (BODIES[`${r.method} ${r.path}`] ?? {});
    const res = await h.call(r.method, fill(r.path), body, asAcme);
    // Template lookups by a send's reference answer with their own not-found code (422 in the registry).
    const code = (res.body.error as { code?: string } | undefined)?.code;
    if (res.status !== 404 && code !== 'TX_ERR_TEMPLATE_NOT_FOUND') leaks.push(`${r.method} ${fill(r.path)} → ${res.status} ${JSON.stringify(res.body).slice(0, 120)}`);
  }
  for (const body of [{ message_id: msg.body.id, reason: 'x' }, { tenant: h.tenantId, reason: 'x' }]) {
    for (const action of ['hold', 'release', 'retry', 'bounce', 'delete']) {
      const res = await h.call('POST', `/v1/queue/${action}`, body, asAcme);
      if (res.status !== 404) leaks.push(`POST /v1/queue/${action} ${JSON.stringify(body)} → ${res.status}`);
    }
  }
  assert.deepEqual(leaks, []);
  // Nor do the lists show it.
  assert.deepEqual((await h.call('GET', '/v1/queue/deliveries', undefined, asAcme)).body.deliveries, []);
  assert.deepEqual((await h.call('GET', '/v1/queue/holds', undefined, asAcme)).body.holds, []);
  const acmeAudit = (await h.call('GET', '/v1/audit', undefined, asAcme)).body.entries as Array<{ tenant: string }>;
  assert.deepEqual([...new Set(acmeAudit.map((e) => e.tenant))], [acme], 'only what was done to its own tenant');

  // Suspend: sends refused with the reason, queue held; resume: sends again.
  const sus = await h.call('POST', `/v1/tenants/${acme}/suspend`, { reason: 'bounce rate 12%' }, asPlatform);
  assert.equal(sus.status, 200, JSON.stringify(sus.body));
  assert.equal(sus.body.status, 'suspended');
  await new Promise((r) => setTimeout(r, 2100));
  const refused = await h.call('POST', '/v1/messages', { from: 'app@sender.test', to: 'x@open.test', subject: 's', text: 't' }, asAcme);
  assert.equal(refused.status, 403);
  assert.match(JSON.stringify(refused.body), /TX_ERR_TENANT_SUSPENDED.*bounce rate 12%/);
  const res = await h.call('POST', `/v1/tenants/${acme}/resume`, {}, asPlatform);
  assert.equal(res.body.status, 'active');
  await new Promise((r) => setTimeout(r, 2100));
  const sent = await h.call('POST', '/v1/messages', { from: 'app@sender.test', to: 'x@open.test', subject: 's', text: 't' }, asAcme);
  assert.equal(sent.status, 202, JSON.stringify(sent.body));

  // Delete: keys stop working, the tenant leaves the list.
  const del = await h.call('DELETE', `/v1/tenants/${acme}`, undefined, asPlatform);
  assert.equal(del.status, 200, JSON.stringify(del.body));
  assert.equal((await h.call('GET', `/v1/tenants/${acme}`, undefined, asPlatform)).status, 404);
  const list = await h.call('GET', '/v1/tenants', undefined, asPlatform);
  assert.deepEqual((list.body.tenants as Array<{ id: string }>).map((t) => t.id), [h.tenantId]);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal((await h.call('DELETE', `/v1/tenants/${h.tenantId}`, undefined, asPlatform)).status, 409, 'not its own tenant');
  const audit = await h.call('GET', '/v1/audit?limit=100', undefined, asPlatform);
  const actions = (audit.body.entries as Array<{ action: string; key: string; tenant: string | null }>).filter((e) => e.tenant === acme);
  assert.deepEqual(
    actions.map((e) => e.action).reverse(),
    ['tenant.create', 'key.create', 'tenant.suspend', 'hold', 'tenant.resume', 'release', 'tenant.delete', 'delete'],
  );
  assert.ok(actions.every((e) => e.key === p.record.id), 'each names the key that acted');
});
