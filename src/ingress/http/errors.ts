// Turns anything thrown in a native route into the `{error:{code,message,fields}}` body.
// Compatibility plugins install their own handler for their own error shapes.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ERRORS, TxError, type ErrorCode } from '../../domain/errors.js';

/** Maps fastify's own errors (body parsing, limits) onto our registry. */
export function toTxError(err: unknown): TxError {
  if (err instanceof TxError) return err;
  const e = err as FastifyError;
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new TxError('TX_ERR_TOO_LARGE', 'The request body is larger than the configured limit.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new TxError('TX_ERR_UNSUPPORTED_MEDIA_TYPE', 'The request body must be JSON (Content-Type: application/json).');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new TxError('TX_ERR_BAD_REQUEST', 'The request body is empty; a JSON object was expected.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new TxError('TX_ERR_BAD_REQUEST', `The request body is not valid JSON: ${e.message}`);
    default:
      break;
  }
  if (e.validation || e.statusCode === 400) return new TxError('TX_ERR_BAD_REQUEST', e.message);
  if (e.statusCode === 404) return new TxError('TX_ERR_NOT_FOUND', e.message);
  return new TxError('TX_ERR_INTERNAL', 'Internal error; nothing was changed.');
}

export function sendError(reply: FastifyReply, err: TxError): FastifyReply {
  return reply.status(ERRORS[err.code as ErrorCode].status).send(err.toBody());
}

export function nativeErrorHandler(err: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const tx = toTxError(err);
  if (tx.code === 'TX_ERR_INTERNAL') req.log.error({ err }, 'unhandled error');
  return sendError(reply, tx);
}
