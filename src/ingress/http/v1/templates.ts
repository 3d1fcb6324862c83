// /v1/templates: stored templates per tenant, their versions, the active version, and a
// render preview. A template is addressed by its id or its name. Writes need the admin scope
// (a template changes what every send with it says); reading and previewing need read.
import type { FastifyInstance } from 'fastify';
import { TxError, validationError, type FieldError } from '../../../domain/errors.js';
import { isAbsent, isRecord, unknownFieldErrors } from '../../../domain/message/validate-shape.js';
import type { TemplateContent } from '../../../domain/templates/types.js';
import { parseTemplateContent, parseTemplateData, templateNameProblem } from '../../../domain/templates/validate.js';
import { newTemplateId } from '../../../lib/ids.js';
import type { TemplateRecord, TemplateVersion } from '../../../store/store.js';
import { requireScope } from '../../auth.js';
import type { HttpDeps } from '../deps.js';
import { authOf } from './index.js';

const iso = (ms: number): string => new Date(ms).toISOString();

export function versionView(v: TemplateVersion): Record<string, unknown> {
  return { version: v.version, subject: v.subject, html: v.html, text: v.text, created_at: iso(v.createdAt) };
}

export function templateView(t: TemplateRecord, active?: TemplateVersion): Record<string, unknown> {
  return {
    id: t.id,
    name: t.name,
    active_version: t.activeVersion,
    latest_version: t.latestVersion,
    created_at: iso(t.createdAt),
    updated_at: iso(t.updatedAt),
    ...(active ? { active: versionView(active) } : {}),
  };
}

function body(input: unknown): Record<string, unknown> {
  if (!isRecord(input)) throw new TxError('TX_ERR_BAD_REQUEST', 'The request body must be a JSON object');
  return input;
}

function check(errors: FieldError[]): void {
  if (errors.length > 0) throw validationError(errors);
}

function parseVersionParam(raw: string): number {
  const n = Number(raw);
  if (!/^[1-9]\d{0,8}$/.test(raw) || !Number.isSafeInteger(n)) throw new TxError('TX_ERR_NOT_FOUND', `No version ${raw}: versions are 1, 2, 3...`);
  return n;
}

type Ref = { Params: { ref: string } };
type RefVersion = { Params: { ref: string; version: string } };

export async function templateRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  const { store, templates } = deps;
  const find = async (tenantId: string, ref: string): Promise<TemplateRecord> => {
    const t = await store.getTemplate(tenantId, ref);
    if (!t) throw new TxError('TX_ERR_NOT_FOUND', `No template "${ref}".`);
    return t;
  };
  /** Sources that parse and compile, or a 422 naming every problem (with `more` found by the caller). */
  const content = (b: Record<string, unknown>, allowed: readonly string[], more: FieldError[] = []): TemplateContent => {
    const parsed = parseTemplateContent(b);
    check([...unknownFieldErrors(b, allowed, ''), ...more, ...parsed.errors]);
    templates.compile(parsed.value);
    return parsed.value;
  };

  app.post('/templates', async (req, reply) => {
    const auth = authOf(req);
    requireScope(auth, 'admin');
    const b = body(req.body);
    const nameProblem = templateNameProblem(b['name']);
    const c = content(b, ['name', 'subject', 'html', 'text'], nameProblem === undefined ? [] : [{ path: 'name', message: nameProblem }]);
    const now = deps.now();
    const created = await store.createTemplate({ id: newTemplateId(now), tenantId: auth.tenantId, name: b['name'] as string, createdAt: now, content: c });
    if (created === 'name_taken') throw new TxError('TX_ERR_CONFLICT', `A template named "${b['name'] as string}" exists already.`, [{ path: 'name', message: 'is taken' }]);
    return reply.status(201).send(templateView(created, { templateId: created.id, version: 1, ...c, createdAt: now }));
  });

  app.get('/templates', async (req) => {
    const auth = authOf(req);
    requireScope(auth, 'read');
    return { templates: (await store.listTemplates(auth.tenantId)).map((t) => templateView(t)) };
  });

  app.get<Ref>('/templates/:ref', async (req) => {
    const auth = authOf(req);
    requireScope(auth, 'read');
    const found = await store.getTemplateVersion(auth.tenantId, req.params.ref);
    if (!found) throw new TxError('TX_ERR_NOT_FOUND', `No template "${req.params.ref}".`);
    return templateView(found.template, found.version);
  });

  app.patch<Ref>('/templates/:ref', async (req) => {
    const auth = authOf(req);
    requireScope(auth, 'admin');
    const b = body(req.body);
    const problem = templateNameProblem(b['name']);
    check([...unknownFieldErrors(b, ['name'], ''), ...(problem === undefined ? [] : [{ path: 'name', message: problem }])]);
    const t = await find(auth.tenantId, req.params.ref);
    const renamed = await store.renameTemplate(auth.tenantId, t.id, b['name'] as string, deps.now());
    if (renamed === 'name_taken') throw new TxError('TX_ERR_CONFLICT', `A template named "${b['name'] as string}" exists already.`, [{ path: 'name', message: 'is taken' }]);
    if (!renamed) throw new TxError('TX_ERR_NOT_FOUND', `No template "${req.params.ref}".`);
    return templateView(renamed);
  });

  app.delete<Ref>('/templates/:ref', async (req, reply) => {
    const auth = authOf(req);
    requireScope(auth, 'admin');
    const t = await find(auth.tenantId, req.params.ref);
    await store.deleteTemplate(auth.tenantId, t.id);
    return reply.status(204).send();
  });

  app.post<Ref>('/templates/:ref/versions', async (req, reply) => {
    const auth = authOf(req);
    requireScope(auth, 'admin');
    const b = body(req.body);
    const activate = b['activate'];
    const c = content(b, ['subject', 'html', 'text', 'activate'], isAbsent(activate) || typeof activate === 'boolean' ? [] : [{ path: 'activate', message: 'must be true or false' }]);
    const t = await find(auth.tenantId, req.params.ref);
    const v = await store.addTemplateVersion(auth.tenantId, t.id, c, activate !== false, deps.now());
    if (!v) throw new TxError('TX_ERR_NOT_FOUND', `No template "${req.params.ref}".`);
    return reply.status(201).send({ template_id: t.id, active: activate !== false, ...versionView(v) });
  });

  app.get<Ref>('/templates/:ref/versions', async (req) => {
    const auth = authOf(req);
    requireScope(auth, 'read');
    const t = await find(auth.tenantId, req.params.ref);
    const versions = await store.listTemplateVersions(auth.tenantId, t.id);
    return { template_id: t.id, active_version: t.activeVersion, versions: versions.map(versionView) };
  });

  app.get<RefVersion>('/templates/:ref/versions/:version', async (req) => {
    const auth = authOf(req);
    requireScope(auth, 'read');
    const found = await store.getTemplateVersion(auth.tenantId, req.params.ref, parseVersionParam(req.params.version));
    if (!found) throw new TxError('TX_ERR_NOT_FOUND', `No version ${req.params.version} of template "${req.params.ref}".`);
    return { template_id: found.template.id, active: found.template.activeVersion === found.version.version, ...versionView(found.version) };
  });

  app.post<RefVersion>('/templates/:ref/versions/:version/activate', async (req) => {
    const auth = authOf(req);
    requireScope(auth, 'admin');
    const t = await find(auth.tenantId, req.params.ref);
    const activated = await store.activateTemplateVersion(auth.tenantId, t.id, parseVersionParam(req.params.version), deps.now());
    if (!activated) throw new TxError('TX_ERR_NOT_FOUND', `No version ${req.params.version} of template "${req.params.ref}".`);
    return templateView(activated);
  });

  // Renders a stored template (active version unless `version`) with sample data.
  app.post<Ref>('/templates/:ref/preview', async (req) => {
    const auth = authOf(req);
    requireScope(auth, 'read');
    const b = isAbsent(req.body) ? {} : body(req.body);
    const { data, strict, errors } = previewOptions(b, ['data', 'strict', 'version']);
    const version = b['version'];
    if (!isAbsent(version) && !(typeof version === 'number' && Number.isInteger(version) && version >= 1)) errors.push({ path: 'version', message: 'must be a positive integer' });
    check(errors);
    const { template, version: v, compiled } = await templates.resolve(auth.tenantId, req.params.ref, typeof version === 'number' ? version : undefined, 'ref');
    return { template_id: template.id, version: v.version, ...templates.render(compiled, data, strict ?? templates.strictDefault) };
  });

  // Renders sources given in the request, saved nowhere: for an editor's live preview.
  app.post('/templates/preview', async (req) => {
    const auth = authOf(req);
    requireScope(auth, 'read');
    const b = body(req.body);
    const parsed = parseTemplateContent(b);
    const { data, strict, errors } = previewOptions(b, ['subject', 'html', 'text', 'data', 'strict']);
    check([...errors, ...parsed.errors]);
    return templates.render(templates.compile(parsed.value), data, strict ?? templates.strictDefault);
  });
}

function previewOptions(b: Record<string, unknown>, allowed: readonly string[]): { data: Record<string, unknown>; strict: boolean | undefined; errors: FieldError[] } {
  const errors = unknownFieldErrors(b, allowed, '');
  const data = parseTemplateData(b['data'], 'data');
  errors.push(...data.errors);
  const strict = b['strict'];
  if (!isAbsent(strict) && typeof strict !== 'boolean') errors.push({ path: 'strict', message: 'must be true or false' });
  return { data: data.value, strict: typeof strict === 'boolean' ? strict : undefined, errors };
}
