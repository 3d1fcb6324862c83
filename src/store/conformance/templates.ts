// describeTemplates(): the template verbs of the Store contract, run against each adapter.
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { TemplateContent } from '../store.js';
import { storeTest, type StoreFactory } from './harness.js';

const T0 = 1_700_000_000_000;
const V1: TemplateContent = { subject: 'Hello {{name}}', html: '<p>Hi {{name}}</p>', text: null };
const V2: TemplateContent = { subject: 'Hi again {{name}}', html: null, text: 'Hi {{name}}' };
const ID = 'd-0123456789abcdef0123456789abcdef';
const ID2 = 'd-fedcba9876543210fedcba9876543210';


export function describeTemplates(name: string, factory: StoreFactory): void {
  const it = storeTest(factory);

  describe(`Store conformance (templates): ${name}`, () => {
    it('a new template has its content as version 1, active, found by id or name', async (s) => {
      const t = await s.createTemplate({ id: ID, tenantId: 'ten_a', name: 'welcome', createdAt: T0, content: V1 });
      assert.deepEqual(t, { id: ID, tenantId: 'ten_a', name: 'welcome', activeVersion: 1, latestVersion: 1, createdAt: T0, updatedAt: T0 });
      assert.deepEqual(await s.getTemplate('ten_a', ID), t);
      assert.deepEqual(await s.getTemplate('ten_a', 'welcome'), t);
      assert.deepEqual(await s.getTemplateVersion('ten_a', 'welcome'), { template: t, version: { templateId: ID, version: 1, ...V1, createdAt: T0 } });
      assert.equal(await s.getTemplate('ten_b', ID), undefined, 'other tenants do not see it');
      assert.equal(await s.getTemplateVersion('ten_b', 'welcome'), undefined);
    });

    it('names are unique per tenant, not across tenants', async (s) => {
      assert.notEqual(await s.createTemplate({ id: ID, tenantId: 'ten_a', name: 'welcome', createdAt: T0, content: V1 }), 'name_taken');
      assert.equal(await s.createTemplate({ id: ID2, tenantId: 'ten_a', name: 'welcome', createdAt: T0, content: V1 }), 'name_taken');
      assert.equal(await s.getTemplate('ten_a', ID2), undefined, 'a refused create leaves nothing behind');
      assert.notEqual(await s.createTemplate({ id: ID2, tenantId: 'ten_b', name: 'welcome', createdAt: T0, content: V1 }), 'name_taken');
      assert.deepEqual((await s.listTemplates('ten_a')).map((t) => t.id), [ID]);
    });

    it('versions are numbered in order; activation chooses which one sends use', async (s) => {
      await s.createTemplate({ id: ID, tenantId: 'ten_a', name: 'welcome', createdAt: T0, content: V1 });
      const v2 = await s.addTemplateVersion('ten_a', ID, V2, false, T0 + 1);
      assert.deepEqual(v2, { templateId: ID, version: 2, ...V2, createdAt: T0 + 1 });
      assert.equal((await s.getTemplateVersion('ten_a', ID))?.version.version, 1, 'not activated: version 1 still sends');
      assert.equal((await s.getTemplateVersion('ten_a', ID, 2))?.version.subject, V2.subject);
      const v3 = await s.addTemplateVersion('ten_a', ID, { ...V2, subject: 'three' }, true, T0 + 2);
      assert.equal(v3?.version, 3);
      const t = await s.getTemplate('ten_a', ID);
      assert.deepEqual([t?.activeVersion, t?.latestVersion, t?.updatedAt], [3, 3, T0 + 2]);
      assert.equal((await s.activateTemplateVersion('ten_a', ID, 2, T0 + 3))?.activeVersion, 2);
      assert.equal((await s.getTemplateVersion('ten_a', 'welcome'))?.version.version, 2);
      assert.equal(await s.activateTemplateVersion('ten_a', ID, 9, T0 + 4), undefined, 'no such version');
      assert.equal(await s.activateTemplateVersion('ten_b', ID, 1, T0 + 4), undefined, 'not the tenant’s template');
      assert.equal((await s.getTemplate('ten_a', ID))?.activeVersion, 2, 'refused activations change nothing');
      assert.deepEqual((await s.listTemplateVersions('ten_a', ID)).map((v) => v.version), [3, 2, 1]);
      assert.deepEqual(await s.listTemplateVersions('ten_b', ID), []);
      assert.equal(await s.addTemplateVersion('ten_b', ID, V2, true, T0), undefined);
    });

    it('concurrent additions each get their own version number', async (s) => {
      await s.createTemplate({ id: ID, tenantId: 'ten_a', name: 'welcome', createdAt: T0, content: V1 });
      const added = await Promise.all(Array.from({ length: 8 }, (_, i) => s.addTemplateVersion('ten_a', ID, { ...V2, subject: `s${i}` }, false, T0)));
      assert.deepEqual(added.map((v) => v?.version).sort((a, b) => (a ?? 0) - (b ?? 0)), [2, 3, 4, 5, 6, 7, 8, 9]);
    });

    it('rename keeps the id and versions; delete removes both', async (s) => {
      await s.createTemplate({ id: ID, tenantId: 'ten_a', name: 'welcome', createdAt: T0, content: V1 });
      await s.createTemplate({ id: ID2, tenantId: 'ten_a', name: 'receipt', createdAt: T0, content: V1 });
      assert.equal(await s.renameTemplate('ten_a', ID, 'receipt', T0 + 1), 'name_taken');
      const renamed = await s.renameTemplate('ten_a', ID, 'hello', T0 + 1);
      assert.equal(renamed !== 'name_taken' && renamed?.name, 'hello');
      assert.equal(await s.getTemplate('ten_a', 'welcome'), undefined);
      assert.equal(await s.renameTemplate('ten_b', ID, 'x', T0), undefined);
      assert.equal(await s.deleteTemplate('ten_b', ID), false, 'another tenant cannot delete');
      assert.equal(await s.deleteTemplate('ten_a', ID), true);
      assert.equal(await s.getTemplateVersion('ten_a', ID, 1), undefined);
      assert.deepEqual(await s.listTemplateVersions('ten_a', ID), []);
      assert.equal(await s.deleteTemplate('ten_a', ID), false);
      // The name is free again, and a new template under it starts at version 1.
      const again = await s.createTemplate({ id: ID, tenantId: 'ten_a', name: 'hello', createdAt: T0 + 5, content: V2 });
      assert.equal(again !== 'name_taken' && again.latestVersion, 1);
      assert.equal((await s.getTemplateVersion('ten_a', 'hello'))?.version.text, V2.text);
    });
  });
}
