// /v1/openapi.json and /v1/docs: the native API's OpenAPI 3.1 document and a readable page
// rendered from it on the server (no script, no CDN). Both are public: they describe the API,
// not any tenant's data. Routes are collected as fastify registers them (collectV1Routes).
import type { FastifyInstance } from 'fastify';
import { buildOpenApi, type OpenApiDocument, type RegisteredRoute } from './document.js';
import { renderReference } from './page.js';
import { ROUTE_DOCS } from './routes.js';

const VERSION = '1';

/** Call before any /v1 route is registered: records every method and path registered under /v1. */
export function collectV1Routes(app: FastifyInstance): RegisteredRoute[] {
  const routes: RegisteredRoute[] = [];
  app.addHook('onRoute', (r) => {
    // HEAD routes are fastify's automatic twins of GET routes.
    for (const method of [r.method].flat()) if (method !== 'HEAD' && r.url.startsWith('/v1/')) routes.push({ method, url: r.url });
  });
  return routes;
}

export async function openApiRoutes(app: FastifyInstance, routes: readonly RegisteredRoute[]): Promise<void> {
  // Built on first use, when every plugin has registered its routes.
  let built: { document: OpenApiDocument; html: string } | undefined;
  const get = (): { document: OpenApiDocument; html: string } => {
    if (!built) {
      const { document } = buildOpenApi(routes, ROUTE_DOCS, VERSION);
      built = { document, html: renderReference(document) };
    }
    return built;
  };
  app.get('/v1/openapi.json', async (_req, reply) => reply.header('Cache-Control', 'no-cache').send(get().document));
  app.get('/v1/docs', async (_req, reply) =>
    reply
      .header('Content-Type', 'text/html; charset=utf-8')
      .header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
      .header('X-Content-Type-Options', 'nosniff')
      .send(get().html),
  );
}
