import type { FastifyInstance } from 'fastify';
import type { HttpDeps } from './deps.js';

export async function healthRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  // Liveness: the event loop answers.
  app.get('/healthz', async () => ({ status: 'ok' }));
  // Readiness: the store answers and the configured roles are running.
  app.get('/readyz', async (_req, reply) => {
    const ok = await deps.ready().catch(() => false);
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not_ready' });
  });
}
