// What the compatibility APIs share: each is a fastify plugin in its own encapsulated scope,
// with its own authentication hook and its own error renderer, so a SendGrid client always
// gets SendGrid's error shape, whatever failed (our validation, fastify's body parser...).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TxError } from '../../../domain/errors.js';
import type { Header } from '../../../domain/message/types.js';
import type { AuthContext } from '../../auth.js';
import { toTxError } from '../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    compatAuth?: AuthContext;
  }
}

export interface RenderedError {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Installs the scope's error handler: anything thrown becomes a TxError, rendered the API's way. */
export function compatErrors(app: FastifyInstance, render: (e: TxError, req: FastifyRequest) => RenderedError): void {
  app.setErrorHandler((err: unknown, req: FastifyRequest, reply: FastifyReply) => {
    const tx = toTxError(err);
    if (tx.code === 'TX_ERR_INTERNAL') req.log.error({ err }, 'unhandled error');
    const r = render(tx, req);
    if (r.headers) void reply.headers(r.headers);
    return reply.status(r.status).send(r.body);
  });
}

export function authOfCompat(req: FastifyRequest): AuthContext {
  // Set by every compat plugin's onRequest hook before a handler runs.
  return req.compatAuth!;
}

/** Later headers replace earlier ones of the same name (a personalization's over the message's). */
export function mergeHeaders(...lists: ReadonlyArray<readonly Header[]>): Header[] {
  const byName = new Map<string, Header>();
  for (const list of lists) for (const h of list) byName.set(h.name.toLowerCase(), h);
  return [...byName.values()];
}
