// /v1/settings/tracking: the tenant's open and click tracking defaults (off until set). A message
// can still switch either on or off for itself with `tracking: {opens, clicks}`.
import type { FastifyInstance } from 'fastify';
import { validationError, type FieldError } from '../../../domain/errors.js';
import { isRecord, unknownFieldErrors } from '../../../domain/message/validate-shape.js';
import { requireScope } from '../../auth.js';
import type { HttpDeps } from '../deps.js';
import { authOf } from './index.js';
import { DEFAULT_EVENTS_OUT } from './webhooks.js';

export async function trackingSettingsRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  app.get('/settings/tracking', async (req) => {
    const auth = authOf(req);
    requireScope(auth, 'read');
    const t = (await deps.store.getTenant(auth.tenantId))?.settings?.tracking;
    return { opens: t?.opens ?? false, clicks: t?.clicks ?? false };
  });

  app.put('/settings/tracking', async (req) => {
    const auth = authOf(req);
    requireScope(auth, 'admin');
    const body = req.body;
    const errors: FieldError[] = isRecord(body) ? unknownFieldErrors(body, ['opens', 'clicks'], '') : [{ path: '', message: 'the request body must be a JSON object' }];
    const b = isRecord(body) ? body : {};
    for (const k of ['opens', 'clicks']) if (typeof b[k] !== 'boolean') errors.push({ path: k, message: 'is required: true or false' });
    if (errors.length > 0) throw validationError(errors);
    const tracking = { opens: b['opens'] as boolean, clicks: b['clicks'] as boolean };
    await deps.store.updateTenantSettings(auth.tenantId, { tracking });
    (deps.eventsOut ?? DEFAULT_EVENTS_OUT).onTrackingChanged(auth.tenantId);
    return tracking;
  });
}
