import type { FastifyInstance } from 'fastify';
import { TxError } from '../../../domain/errors.js';
import { requireScope } from '../../auth.js';
import type { HttpDeps } from '../deps.js';
import { authOf } from './index.js';
import { eventView } from './views.js';

const CURSOR = /^[0-9A-Za-z._:-]{1,64}$/;

export async function eventRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  // The tenant's events in commit order. `after` is the cursor of the last event seen; the
  // answer's `next_cursor` continues from there, also when the page came back empty.
  app.get<{ Querystring: { after?: string; limit?: string } }>('/events', async (req) => {
    const auth = authOf(req);
    requireScope(auth, 'read');
    const { after, limit } = req.query;
    const fields = [];
    if (after !== undefined && !CURSOR.test(after)) fields.push({ path: 'after', message: 'is not a cursor returned by this API' });
    const n = limit === undefined ? 100 : Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 1000) fields.push({ path: 'limit', message: 'must be an integer from 1 to 1000' });
    if (fields.length > 0) throw new TxError('TX_ERR_VALIDATION', `Invalid query: ${fields[0]!.path} ${fields[0]!.message}`, fields);
    const page = await deps.store.listEvents(auth.tenantId, after, n);
    return { events: page.events.map(eventView), next_cursor: page.cursor };
  });
}
