// Templates and their append-only versions.
import { toTemplate, toVersion, type TemplateRow, type VersionRow } from '../rows.js';
import type { NewTemplate, TemplateContent, TemplateRecord, TemplateVersion } from '../store.js';
import type { SqliteDb } from './db.js';

const isUniqueViolation = (e: unknown): boolean => (e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE';

function findTemplate(s: SqliteDb, tenantId: string, ref: string): TemplateRow | undefined {
  // By id first: ids have a fixed shape that names may not take (domain/templates/validate.ts).
  return (s.stmt('SELECT * FROM templates WHERE tenant_id = ? AND id = ?').get(tenantId, ref) ??
    s.stmt('SELECT * FROM templates WHERE tenant_id = ? AND name = ?').get(tenantId, ref)) as TemplateRow | undefined;
}

function insertVersion(s: SqliteDb, templateId: string, version: number, c: TemplateContent, now: number): TemplateVersion {
  s.stmt('INSERT INTO template_versions (template_id, version, subject, html, text, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(
    templateId, version, c.subject, c.html, c.text, now,
  );
  return { templateId, version, ...c, createdAt: now };
}

export function createTemplate(s: SqliteDb, t: NewTemplate): Promise<TemplateRecord | 'name_taken'> {
  return s.write(() => {
    try {
      s.stmt('INSERT INTO templates (id, tenant_id, name, active_version, latest_version, created_at, updated_at) VALUES (?, ?, ?, 1, 1, ?, ?)').run(
        t.id, t.tenantId, t.name, t.createdAt, t.createdAt,
      );
    } catch (e) {
      if (isUniqueViolation(e)) return 'name_taken' as const;
      throw e;
    }
    insertVersion(s, t.id, 1, t.content, t.createdAt);
    return { id: t.id, tenantId: t.tenantId, name: t.name, activeVersion: 1, latestVersion: 1, createdAt: t.createdAt, updatedAt: t.createdAt };
  });
}

export function getTemplate(s: SqliteDb, tenantId: string, ref: string): Promise<TemplateRecord | undefined> {
  return s.read(() => {
    const r = findTemplate(s, tenantId, ref);
    return r && toTemplate(r);
  });
}

export function listTemplates(s: SqliteDb, tenantId: string): Promise<TemplateRecord[]> {
  return s.read(() => (s.stmt('SELECT * FROM templates WHERE tenant_id = ? ORDER BY name').all(tenantId) as TemplateRow[]).map(toTemplate));
}

export function renameTemplate(s: SqliteDb, tenantId: string, id: string, name: string, now: number): Promise<TemplateRecord | 'name_taken' | undefined> {
  return s.write(() => {
    try {
      const r = s.stmt('UPDATE templates SET name = ?, updated_at = ? WHERE tenant_id = ? AND id = ? RETURNING *').get(name, now, tenantId, id) as
        | TemplateRow
        | undefined;
      return r && toTemplate(r);
    } catch (e) {
      if (isUniqueViolation(e)) return 'name_taken' as const;
      throw e;
    }
  });
}

export function deleteTemplate(s: SqliteDb, tenantId: string, id: string): Promise<boolean> {
  return s.write(() => {
    if (s.stmt('DELETE FROM templates WHERE tenant_id = ? AND id = ?').run(tenantId, id).changes === 0) return false;
    s.stmt('DELETE FROM template_versions WHERE template_id = ?').run(id);
    return true;
  });
}

export function addTemplateVersion(
  s: SqliteDb,
  tenantId: string,
  id: string,
  content: TemplateContent,
  activate: boolean,
  now: number,
): Promise<TemplateVersion | undefined> {
  return s.write(() => {
    const r = s
      .stmt(
        `UPDATE templates SET latest_version = latest_version + 1, updated_at = ?,
           active_version = CASE WHEN ? THEN latest_version + 1 ELSE active_version END
         WHERE tenant_id = ? AND id = ? RETURNING latest_version`,
      )
      .get(now, activate ? 1 : 0, tenantId, id) as { latest_version: number } | undefined;
    return r && insertVersion(s, id, r.latest_version, content, now);
  });
}

export function activateTemplateVersion(s: SqliteDb, tenantId: string, id: string, version: number, now: number): Promise<TemplateRecord | undefined> {
  return s.write(() => {
    if (!s.stmt('SELECT 1 FROM template_versions WHERE template_id = ? AND version = ?').get(id, version)) return undefined;
    const r = s.stmt('UPDATE templates SET active_version = ?, updated_at = ? WHERE tenant_id = ? AND id = ? RETURNING *').get(version, now, tenantId, id) as
      | TemplateRow
      | undefined;
    return r && toTemplate(r);
  });
}

export function getTemplateVersion(
  s: SqliteDb,
  tenantId: string,
  ref: string,
  version: number | undefined,
): Promise<{ template: TemplateRecord; version: TemplateVersion } | undefined> {
  return s.read(() => {
    const t = findTemplate(s, tenantId, ref);
    if (!t) return undefined;
    const v = s.stmt('SELECT * FROM template_versions WHERE template_id = ? AND version = ?').get(t.id, version ?? t.active_version) as VersionRow | undefined;
    return v && { template: toTemplate(t), version: toVersion(v) };
  });
}

export function listTemplateVersions(s: SqliteDb, tenantId: string, id: string): Promise<TemplateVersion[]> {
  return s.read(() =>
    (
      s
        .stmt(
          `SELECT v.* FROM template_versions v JOIN templates t ON t.id = v.template_id
           WHERE t.tenant_id = ? AND t.id = ? ORDER BY v.version DESC`,
        )
        .all(tenantId, id) as VersionRow[]
    ).map(toVersion),
  );
}
