// Amazon SES v2 compatibility: POST /v2/email/outbound-emails (SendEmail), signed with AWS
// Signature Version 4 by the credentials derived from an API key (ses-credentials.ts), so
// @aws-sdk/client-sesv2 works with only its endpoint changed. Answers {MessageId}; errors in
// the AWS JSON shape: the type in x-amzn-ErrorType, {"message"} in the body.
import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ERRORS, TxError, type ErrorCode } from '../../../../domain/errors.js';
import type { SendRequest } from '../../../../domain/message/types.js';
import type { SesCredentials } from '../../../ses-credentials.js';
import { withRendered, emptyParts } from '../../../templates.js';
import type { HttpDeps } from '../../deps.js';
import type { HttpPlugin } from '../../app.js';
import { authOfCompat, compatErrors, type RenderedError } from '../common.js';
import { parseSesSendEmail, type SesSend } from './parse.js';
import { parseAuthorization, verify } from './sigv4.js';

/** An error AWS names in its own terms (authentication), with AWS's status. */
export class AwsError extends TxError {
  constructor(
    code: ErrorCode,
    readonly awsType: string,
    readonly awsStatus: number,
    message: string,
  ) {
    super(code, message);
  }
}

const TYPES: Partial<Record<ErrorCode, readonly [string, number]>> = {
  TX_ERR_BAD_REQUEST: ['BadRequestException', 400],
  TX_ERR_UNSUPPORTED_MEDIA_TYPE: ['BadRequestException', 400],
  TX_ERR_VALIDATION: ['BadRequestException', 400],
  TX_ERR_TOO_MANY_RECIPIENTS: ['BadRequestException', 400],
  TX_ERR_TEMPLATE_INVALID: ['BadRequestException', 400],
  TX_ERR_TEMPLATE_MISSING_VARIABLE: ['BadRequestException', 400],
  TX_ERR_TEMPLATE_TOO_LARGE: ['BadRequestException', 400],
  TX_ERR_LINE_TOO_LONG: ['MessageRejected', 400],
  TX_ERR_TOO_LARGE: ['MessageRejected', 400],
  TX_ERR_SENDER_NOT_ALLOWED: ['MessageRejected', 400],
  // SES answers an unverified identity with MessageRejected ("Email address is not verified").
  TX_ERR_SENDER_NOT_VERIFIED: ['MessageRejected', 400],
  TX_ERR_UNAUTHENTICATED: ['UnrecognizedClientException', 403],
  TX_ERR_SIGNATURE_INVALID: ['InvalidSignatureException', 403],
  TX_ERR_FORBIDDEN: ['AccessDeniedException', 403],
  TX_ERR_NOT_FOUND: ['NotFoundException', 404],
  TX_ERR_TEMPLATE_NOT_FOUND: ['NotFoundException', 404],
  TX_ERR_RATE_LIMITED: ['TooManyRequestsException', 429],
  // The SDKs retry a 503 on their own: right for a store that could not commit.
  TX_ERR_UNAVAILABLE: ['ServiceUnavailable', 503],
};

export function renderSesError(e: TxError, req: FastifyRequest): RenderedError {
  const [type, status] = e instanceof AwsError ? [e.awsType, e.awsStatus] : (TYPES[e.code] ?? ['InternalFailure', ERRORS[e.code].status >= 500 ? ERRORS[e.code].status : 500]);
  return { status, headers: { 'x-amzn-ErrorType': type, 'x-amzn-RequestId': requestId(req) }, body: { message: e.message } };
}

declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: Buffer;
    awsRequestId?: string;
  }
}

function requestId(req: FastifyRequest): string {
  req.awsRequestId ??= randomUUID();
  return req.awsRequestId;
}

const INVALID_TOKEN = 'The security token included in the request is invalid.';

export function sesPlugin(credentials: SesCredentials): HttpPlugin {
  return async (app, deps) => {
    compatErrors(app, renderSesError);
    // SigV4 signs the body's bytes, so this scope keeps them: its own parser, JSON or not.
    const bodyLimit = app.initialConfig.bodyLimit;
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', ...(bodyLimit === undefined ? {} : { bodyLimit }) }, (req, body, done) => {
      const buf = body as Buffer;
      req.rawBody = buf;
      if (buf.length === 0) return done(null, undefined);
      try {
        done(null, JSON.parse(buf.toString('utf8'), (k, v: unknown) => (k === '__proto__' ? undefined : v)));
      } catch (e) {
        done(new AwsError('TX_ERR_BAD_REQUEST', 'SerializationException', 400, `The request body is not valid JSON: ${(e as Error).message}`), undefined);
      }
    });
    // After the body is read (it is part of what was signed), before the handler.
    app.addHook('preHandler', async (req) => {
      req.compatAuth = await authenticate(req, deps, credentials);
    });

    app.post('/v2/email/outbound-emails', async (req, reply) => {
      const auth = authOfCompat(req);
      if (!auth.scopes.includes('send') && !auth.scopes.includes('admin')) {
        throw new AwsError('TX_ERR_FORBIDDEN', 'AccessDeniedException', 403, `User: ${auth.keyId} is not authorized to perform: ses:SendEmail (the API key lacks the send scope).`);
      }
      const parsed = parseSesSendEmail(req.body, deps.limits);
      const request = await toSendRequest(deps, auth.tenantId, parsed);
      const outcome = await deps.send.send(auth.tenantId, [request], { ingress: 'ses' });
      if (outcome.kind !== 'accepted') throw new TxError('TX_ERR_INTERNAL', 'Unexpected acceptance outcome.');
      const id = outcome.messages[0]!.messageId;
      req.log.info({ message: id, tenant: auth.tenantId, via: 'ses' }, 'message accepted');
      return reply.header('x-amzn-RequestId', requestId(req)).status(200).send({ MessageId: id });
    });
  };
}

async function authenticate(req: FastifyRequest, deps: HttpDeps, credentials: SesCredentials): Promise<NonNullable<FastifyRequest['compatAuth']>> {
  const parsed = parseAuthorization(req.headers.authorization);
  if ('type' in parsed) throw new AwsError(parsed.type === 'MissingAuthenticationTokenException' ? 'TX_ERR_UNAUTHENTICATED' : 'TX_ERR_SIGNATURE_INVALID', parsed.type, 403, parsed.message);
  // We issue no temporary credentials, so a session token cannot be one of ours.
  if (req.headers['x-amz-security-token'] !== undefined) throw new AwsError('TX_ERR_UNAUTHENTICATED', 'UnrecognizedClientException', 403, INVALID_TOKEN);
  const keyId = credentials.keyIdOf(parsed.accessKeyId);
  const auth = keyId === undefined ? undefined : await deps.keys.byId(keyId, deps.now());
  if (!auth || keyId === undefined) throw new AwsError('TX_ERR_UNAUTHENTICATED', 'UnrecognizedClientException', 403, INVALID_TOKEN);
  const failure = verify(
    { method: req.method, url: req.url, headers: req.headers, body: req.rawBody ?? Buffer.alloc(0) },
    parsed,
    credentials.forKey(keyId).secretAccessKey,
    'ses',
    deps.now(),
  );
  if (failure) throw new AwsError('TX_ERR_SIGNATURE_INVALID', failure.type, 403, failure.message);
  return auth;
}

async function toSendRequest(deps: HttpDeps, tenantId: string, s: SesSend): Promise<SendRequest> {
  const base = { from: s.from, to: s.to, cc: s.cc, bcc: s.bcc, tags: [] as string[], metadata: s.metadata };
  const c = s.content;
  if (c.kind === 'raw') {
    return { ...base, tags: c.tags, metadata: { ...c.metadata, ...s.metadata }, content: { kind: 'raw', raw: c.raw }, envelopeFrom: s.from.address };
  }
  if (c.kind === 'simple') {
    const { kind: _k, ...rest } = c;
    return { ...base, content: { kind: 'parts', ...rest, replyTo: s.replyTo } };
  }
  const { compiled } = await deps.templates.resolve(tenantId, c.name, undefined, 'Content.Template.TemplateName');
  const rendered = deps.templates.render(compiled, c.data);
  return { ...base, content: withRendered(emptyParts({ headers: c.headers, attachments: c.attachments, replyTo: s.replyTo }), rendered) };
}
