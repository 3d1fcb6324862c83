// The native API under /v1: bearer-key authentication for every route in this scope.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { TxError } from '../../../domain/errors.js';
import type { AuthContext } from '../../auth.js';
import type { HttpDeps } from '../deps.js';
import { domainRoutes } from './domains.js';
import { eventRoutes } from './events.js';
import { messageRoutes } from './messages.js';
import { suppressionRoutes } from './suppressions.js';
import { templateRoutes } from './templates.js';
import { statsRoutes } from './stats.js';
import { trackingSettingsRoutes } from './tracking.js';
import { webhookRoutes } from './webhooks.js';
import { queueRoutes } from './queue.js';
import { tenantRoutes } from './tenants.js';

declare module 'fastify' {
  interface FastifyRequest {
    auth?: AuthContext;
  }
}

export function authOf(req: FastifyRequest): AuthContext {
  if (!req.auth) throw new TxError('TX_ERR_UNAUTHENTICATED', 'Missing API key.');
  return req.auth;
}

export async function v1Routes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  app.addHook('onRequest', async (req) => {
    const header = req.headers.authorization;
    const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!m) throw new TxError('TX_ERR_UNAUTHENTICATED', 'Missing API key: send "Authorization: Bearer <key>".');
    const auth = await deps.keys.verify(m[1]!, deps.now());
    if (!auth) throw new TxError('TX_ERR_UNAUTHENTICATED', 'Invalid or revoked API key.');
    req.auth = auth;
  });
  await messageRoutes(app, deps);
  await eventRoutes(app, deps);
  await domainRoutes(app, deps);
  await suppressionRoutes(app, deps);
  await templateRoutes(app, deps);
  await webhookRoutes(app, deps);
  await statsRoutes(app, deps);
  await trackingSettingsRoutes(app, deps);
  await queueRoutes(app, deps);
  await tenantRoutes(app, deps);
}
