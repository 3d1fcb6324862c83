// buildHttpApp(): the HTTP surface, built apart from listening so tests use app.inject().
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { HttpDeps } from './deps.js';
import { nativeErrorHandler, sendError } from './errors.js';
import { TxError } from '../../domain/errors.js';
import { registerJsonBody } from './json-body.js';
import { healthRoutes } from './health.js';
import { v1Routes } from './v1/index.js';
import { collectV1Routes, openApiRoutes } from './openapi/index.js';

export type HttpPlugin = (app: FastifyInstance, deps: HttpDeps) => Promise<void>;

export async function buildHttpApp(deps: HttpDeps, extra: readonly HttpPlugin[] = []): Promise<FastifyInstance> {
  // Base64 inflates attachments by 4/3; leave room for JSON around the message itself.
  const bodyLimit = Math.ceil(deps.limits.maxMessageBytes * 1.4) + 1024 * 1024;
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    // One line per accepted message is logged by the routes; per-request lines would double it.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit,
    trustProxy: false,
    return503OnClosing: true,
    requestIdHeader: false,
  });
  registerJsonBody(app, bodyLimit);
  const v1 = collectV1Routes(app);
  app.setErrorHandler(nativeErrorHandler);
  app.setNotFoundHandler((req, reply) => sendError(reply, new TxError('TX_ERR_NOT_FOUND', `No route ${req.method} ${req.url.split('?')[0]}.`)));
  await app.register(async (scope) => healthRoutes(scope, deps));
  await app.register(async (scope) => v1Routes(scope, deps), { prefix: '/v1' });
  // Outside the /v1 scope: public, no API key (the document describes the API, no tenant's data).
  await app.register(async (scope) => openApiRoutes(scope, v1));
  for (const plugin of extra) await app.register(async (scope) => plugin(scope, deps));
  return app;
}
