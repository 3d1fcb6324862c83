import type { FastifyInstance } from 'fastify';
import { TxError } from '../../../domain/errors.js';
import { parseSendRequest } from '../../../domain/message/validate.js';
import { requireScope } from '../../auth.js';
import type { HttpDeps } from '../deps.js';
import { authOf } from './index.js';
import { acceptedView, messageView } from './views.js';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

export async function messageRoutes(app: FastifyInstance, deps: HttpDeps): Promise<void> {
  app.post('/messages', async (req, reply) => {
    const auth = authOf(req);
    requireScope(auth, 'send');
    const idemHeader = req.headers['idempotency-key'];
    if (idemHeader !== undefined && (typeof idemHeader !== 'string' || !IDEMPOTENCY_KEY.test(idemHeader))) {
      throw new TxError('TX_ERR_BAD_REQUEST', 'Idempotency-Key must be 1 to 255 printable ASCII characters.', [
        { path: 'Idempotency-Key', message: 'must be 1 to 255 printable ASCII characters' },
      ]);
    }
    const now = deps.now();
    const parsed = parseSendRequest(req.body, deps.limits, now);
    const request = parsed.template ? await deps.templates.apply(auth.tenantId, parsed, parsed.template) : parsed;
    const outcome = await deps.send.send(auth.tenantId, [request], {
      ingress: 'http',
      ...(idemHeader && req.bodyHash ? { idempotency: { key: idemHeader, requestHash: req.bodyHash } } : {}),
    });
    if (outcome.kind === 'idempotency_conflict') {
      throw new TxError('TX_ERR_IDEMPOTENCY_CONFLICT', 'This Idempotency-Key was already used with a different request body.');
    }
    const m = outcome.messages[0]!;
    if (outcome.kind === 'replayed') reply.header('Idempotent-Replayed', 'true');
    else req.log.info({ message: m.messageId, tenant: auth.tenantId, recipients: m.recipients.length }, 'message accepted');
    return reply.status(202).send(acceptedView(m));
  });

  app.get<{ Params: { id: string } }>('/messages/:id', async (req) => {
    const auth = authOf(req);
    requireScope(auth, 'read');
    const m = await deps.store.getMessage(auth.tenantId, req.params.id);
    if (!m) throw new TxError('TX_ERR_NOT_FOUND', `No message ${req.params.id}.`);
    return messageView(m);
  });
}
