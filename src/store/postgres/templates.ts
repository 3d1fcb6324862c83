// Templates and their append-only versions.
import { toTemplate, toVersion, type TemplateRow, type VersionRow } from '../rows.js';
import type { NewTemplate, TemplateContent, TemplateRecord, TemplateVersion } from '../store.js';
import type { PgDb } from './pool.js';

const T_COLUMNS = 'id, tenant_id, name, active_version, latest_version, created_at, updated_at';
const V_COLUMNS = 'template_id, version, subject, html, text, created_at';

const isUniqueViolation = (e: unknown): boolean => (e as { code?: string }).code === '23505';

// By id first: ids have a fixed shape that names may not take (domain/templates/validate.ts).
const FIND = `SELECT ${T_COLUMNS} FROM templates WHERE tenant_id = $1 AND (id = $2 OR name = $2) ORDER BY (id = $2) DESC LIMIT 1`;

export async function createTemplate(db: PgDb, t: NewTemplate): Promise<TemplateRecord | 'name_taken'> {
  try {
    await db.tx(async (c) => {
      await c.query(`INSERT INTO templates (${T_COLUMNS}) VALUES ($1, $2, $3, 1, 1, $4, $4)`, [t.id, t.tenantId, t.name, t.createdAt]);
      await c.query(`INSERT INTO template_versions (${V_COLUMNS}) VALUES ($1, 1, $2, $3, $4, $5)`, [
        t.id, t.content.subject, t.content.html, t.content.text, t.createdAt,
      ]);
    });
  } catch (e) {
    if (isUniqueViolation(e)) return 'name_taken';
    throw e;
  }
  return { id: t.id, tenantId: t.tenantId, name: t.name, activeVersion: 1, latestVersion: 1, createdAt: t.createdAt, updatedAt: t.createdAt };
}

export async function getTemplate(db: PgDb, tenantId: string, ref: string): Promise<TemplateRecord | undefined> {
  const [r] = await db.query<TemplateRow>(FIND, [tenantId, ref]);
  return r && toTemplate(r);
}

export async function listTemplates(db: PgDb, tenantId: string): Promise<TemplateRecord[]> {
  return (await db.query<TemplateRow>(`SELECT ${T_COLUMNS} FROM templates WHERE tenant_id = $1 ORDER BY name`, [tenantId])).map(toTemplate);
}

export async function renameTemplate(db: PgDb, tenantId: string, id: string, name: string, now: number): Promise<TemplateRecord | 'name_taken' | undefined> {
  try {
    const [r] = await db.query<TemplateRow>(`UPDATE templates SET name = $1, updated_at = $2 WHERE tenant_id = $3 AND id = $4 RETURNING ${T_COLUMNS}`, [
      name, now, tenantId, id,
    ]);
    return r && toTemplate(r);
  } catch (e) {
    if (isUniqueViolation(e)) return 'name_taken';
    throw e;
  }
}

export async function deleteTemplate(db: PgDb, tenantId: string, id: string): Promise<boolean> {
  // Versions go with it (ON DELETE CASCADE).
  const r = await db.pool.query('DELETE FROM templates WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
  return r.rowCount === 1;
}

export async function addTemplateVersion(
  db: PgDb,
  tenantId: string,
  id: string,
  content: TemplateContent,
  activate: boolean,
  now: number,
): Promise<TemplateVersion | undefined> {
  return db.tx(async (c) => {
    // The row lock this UPDATE takes orders concurrent additions: each gets its own number.
    const r = await c.query<{ latest_version: number }>(
      `UPDATE templates SET latest_version = latest_version + 1, updated_at = $1,
         active_version = CASE WHEN $2 THEN latest_version + 1 ELSE active_version END
       WHERE tenant_id = $3 AND id = $4 RETURNING latest_version`,
      [now, activate, tenantId, id],
    );
    const version = r.rows[0]?.latest_version;
    if (version === undefined) return undefined;
    await c.query(`INSERT INTO template_versions (${V_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)`, [id, version, content.subject, content.html, content.text, now]);
    return { templateId: id, version, ...content, createdAt: now };
  });
}

export async function activateTemplateVersion(db: PgDb, tenantId: string, id: string, version: number, now: number): Promise<TemplateRecord | undefined> {
  const [r] = await db.query<TemplateRow>(
    `UPDATE templates SET active_version = $1, updated_at = $2
     WHERE tenant_id = $3 AND id = $4 AND EXISTS (SELECT 1 FROM template_versions WHERE template_id = $4 AND version = $1)
     RETURNING ${T_COLUMNS}`,
    [version, now, tenantId, id],
  );
  return r && toTemplate(r);
}

export async function getTemplateVersion(
  db: PgDb,
  tenantId: string,
  ref: string,
  version: number | undefined,
): Promise<{ template: TemplateRecord; version: TemplateVersion } | undefined> {
  // One round trip: the template row and the wanted version (the active one by default).
  const [r] = await db.query<TemplateRow & { v_version: number; subject: string; html: string | null; text: string | null; v_created_at: number }>(
    `SELECT t.id, t.tenant_id, t.name, t.active_version, t.latest_version, t.created_at, t.updated_at,
            v.version AS v_version, v.subject, v.html, v.text, v.created_at AS v_created_at
     FROM (${FIND}) t JOIN template_versions v ON v.template_id = t.id AND v.version = COALESCE($3::int, t.active_version)`,
    [tenantId, ref, version ?? null],
  );
  if (!r) return undefined;
  return {
    template: toTemplate(r),
    version: toVersion({ template_id: r.id, version: r.v_version, subject: r.subject, html: r.html, text: r.text, created_at: r.v_created_at }),
  };
}

export async function listTemplateVersions(db: PgDb, tenantId: string, id: string): Promise<TemplateVersion[]> {
  return (
    await db.query<VersionRow>(
      `SELECT v.template_id, v.version, v.subject, v.html, v.text, v.created_at
       FROM template_versions v JOIN templates t ON t.id = v.template_id
       WHERE t.tenant_id = $1 AND t.id = $2 ORDER BY v.version DESC`,
      [tenantId, id],
    )
  ).map(toVersion);
}
