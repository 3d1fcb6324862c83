// A JSON body parser that reports malformed JSON as TX_ERR_BAD_REQUEST and keeps a hash of
// the raw bytes for Idempotency-Key comparison ("same key and same body").
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { TxError } from '../../domain/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    bodyHash?: string;
  }
}

export function registerJsonBody(app: FastifyInstance, bodyLimit: number): void {
  // Fastify also parses text/plain by default: a JSON body sent as text/plain then reached the
  // routes as a string and got 400 "must be a JSON object" instead of 415 (wrong content type).
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, (req: FastifyRequest, body: string | Buffer, done) => {
    if (body.length === 0) return done(new TxError('TX_ERR_BAD_REQUEST', 'The request body is empty; a JSON object was expected.'), undefined);
    if (req.headers['idempotency-key'] !== undefined) req.bodyHash = createHash('sha256').update(body).digest('hex');
    try {
      done(null, JSON.parse(typeof body === 'string' ? body : body.toString('utf8'), (k, v: unknown) => (k === '__proto__' ? undefined : v)));
    } catch (e) {
      done(new TxError('TX_ERR_BAD_REQUEST', `The request body is not valid JSON: ${(e as Error).message}`), undefined);
    }
  });
}
