// /v1/suppressions: the tenant's suppression list. Search and pagination, add and remove, and
// CSV import (all or nothing) and export. Acceptance drops mail to a listed address.
import type { FastifyInstance } from 'fastify';
import { TxError, validationError, type FieldError } from '../../../domain/errors.js';
import { isAbsent, isRecord, unknownFieldErrors } from '../../../domain/message/validate-shape.js';
import { isSuppressionReason, normaliseAddress, parseSuppressionCsv, suppressionCsv, SUPPRESSION_REASONS } from '../../../domain/suppression/csv.js';
import type { Suppression } from '../../../store/store.js';
import { requireScope } from '../../auth.js';
import type { HttpDeps } from '../deps.js';
import { authOf } from './index.js';

const CSV_BODY_LIMIT = 16 * 1024 * 1024;
const EXPORT_PAGE = 1000;

const view = (s: Suppression): Record<string, unknown> => ({
  email: s.address,
  reason: s.reason,
  source_message_id: s.sourceMessageId,
  created_at: new Date(s.createdAt).toISOString(),
});

// Cursors are opaque to clients: the last address of a page, base64url.
const encodeCursor = (address: string): string => Buffer.from(address, 'utf8').toString('base64url');
const decodeCursor = (c: string): string | undefined => (/^[A-Za-z0-9_-]{1,700}$/.test(c) ? Buffer.from(c, 'base64url').toString('utf8') : undefined);

function address(raw: string, path: string): string {
  const a = normaliseAddress(raw);
  if ('error' in a) throw validationError([{ path, message: a.error }]);
  return a.address;
}

export async function suppressionRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: CSV_BODY_LIMIT }, (_req, body, done) => done(null, body));

  app.get<{ Querystring: { q?: string; reason?: string; after?: string; limit?: string } }>('/suppressions', async (req) => {
    const auth = authOf(req);
    requireScope(auth, 'read');
    const { q, reason, after, limit } = req.query;
    const fields: FieldError[] = [];
    const n = limit === undefined ? 100 : Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 1000) fields.push({ path: 'limit', message: 'must be an integer from 1 to 1000' });
    if (reason !== undefined && !isSuppressionReason(reason)) fields.push({ path: 'reason', message: `must be one of ${SUPPRESSION_REASONS.join(', ')}` });
    const cursor = after === undefined ? undefined : decodeCursor(after);
    if (after !== undefined && cursor === undefined) fields.push({ path: 'after', message: 'is not a cursor returned by this API' });
    if (q !== undefined && q.length > 254) fields.push({ path: 'q', message: 'longer than 254 characters' });
    if (fields.length > 0) throw validationError(fields);
    const page = await deps.store.listSuppressions(auth.tenantId, {
      limit: n,
      ...(q ? { search: q } : {}),
      ...(reason !== undefined && isSuppressionReason(reason) ? { reason } : {}),
      ...(cursor !== undefined ? { after: cursor } : {}),
    });
    return { suppressions: page.items.map(view), next_cursor: page.next === null ? null : encodeCursor(page.next) };
  });

  app.get('/suppressions/export', async (req, reply) => {
    const auth = authOf(req);
    requireScope(auth, 'read');
    let csv = suppressionCsv([], true);
    let after: string | undefined;
    // Page by page: an export is one response, but never one query holding the whole list.
    for (;;) {
      const page = await deps.store.listSuppressions(auth.tenantId, { limit: EXPORT_PAGE, ...(after !== undefined ? { after } : {}) });
      csv += suppressionCsv(page.items, false);
      if (page.next === null) break;
      after = page.next;
    }
    return reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="suppressions.csv"').send(csv);
  });

  app.get<{ Params: { email: string } }>('/suppressions/:email', async (req) => {
    const auth = authOf(req);
    requireScope(auth, 'read');
    const s = await deps.store.getSuppression(auth.tenantId, address(req.params.email, 'email'));
    if (!s) throw new TxError('TX_ERR_NOT_FOUND', `${req.params.email} is not on the suppression list.`);
    return view(s);
  });

  app.post('/suppressions', async (req, reply) => {
    const auth = authOf(req);
    requireScope(auth, 'send');
    const body = req.body;
    if (!isRecord(body)) throw new TxError('TX_ERR_BAD_REQUEST', 'The request body must be a JSON object');
    const errors = unknownFieldErrors(body, ['email', 'reason'], '');
    const email = typeof body['email'] === 'string' ? normaliseAddress(body['email']) : { error: 'is required' };
    if ('error' in email) errors.push({ path: 'email', message: email.error });
    const reason = isAbsent(body['reason']) ? 'manual' : body['reason'];
    if (!isSuppressionReason(reason)) errors.push({ path: 'reason', message: `must be one of ${SUPPRESSION_REASONS.join(', ')}` });
    if (errors.length > 0 || 'error' in email || !isSuppressionReason(reason)) throw validationError(errors);
    const s: Suppression = { tenantId: auth.tenantId, address: email.address, reason, sourceMessageId: null, createdAt: deps.now() };
    const added = await deps.store.suppress(s);
    return reply.status(added ? 201 : 200).send(view(s));
  });

  // Removing an address may resume mail to someone who complained or unsubscribed: admin only.
  app.delete<{ Params: { email: string } }>('/suppressions/:email', async (req, reply) => {
    const auth = authOf(req);
    requireScope(auth, 'admin');
    if (!(await deps.store.unsuppress(auth.tenantId, address(req.params.email, 'email')))) {
      throw new TxError('TX_ERR_NOT_FOUND', `${req.params.email} is not on the suppression list.`);
    }
    return reply.status(204).send();
  });

  app.post('/suppressions/import', async (req) => {
    const auth = authOf(req);
    requireScope(auth, 'send');
    if (typeof req.body !== 'string') throw new TxError('TX_ERR_UNSUPPORTED_MEDIA_TYPE', 'Send the list as CSV with Content-Type: text/csv.');
    const parsed = parseSuppressionCsv(req.body, deps.now());
    if (parsed.errors.length > 0) throw validationError(parsed.errors);
    const r = await deps.store.suppressMany(parsed.rows.map((x) => ({ tenantId: auth.tenantId, ...x })));
    req.log.info({ tenant: auth.tenantId, rows: parsed.rows.length, added: r.added }, 'suppressions imported');
    return { imported: parsed.rows.length, added: r.added, updated: r.updated };
  });
}
