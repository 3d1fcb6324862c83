// Postmark compatibility: POST /email, /email/batch, /email/withTemplate and
// /email/batchWithTemplates with `X-Postmark-Server-Token: <API key>`, so the `postmark`
// client works with only its requestHost changed. Answers and ErrorCode values as Postmark's:
// {To, SubmittedAt, MessageID, ErrorCode: 0, Message: "OK"}; errors 401/422 {ErrorCode, Message}.
// A batch accepts its valid messages together in one SendService.send call and reports each
// invalid one in its place, as Postmark does.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TxError, type ErrorCode } from '../../../../domain/errors.js';
import type { SendRequest } from '../../../../domain/message/types.js';
import type { AcceptedMessage } from '../../../../store/store.js';
import { emptyParts, withRendered } from '../../../templates.js';
import { inlineCss } from '../../../../compose/template/inline-css.js';
import type { HttpDeps } from '../../deps.js';
import type { HttpPlugin } from '../../app.js';
import { authOfCompat, compatErrors, type RenderedError } from '../common.js';
import { describe, errorCodeFor, parsePostmarkMessage, type PmMessage } from './parse.js';

/** Postmark's ErrorCode for each of our errors (HTTP 422 unless said otherwise). */
const CODES: Partial<Record<ErrorCode, readonly [errorCode: number, status: number]>> = {
  TX_ERR_UNAUTHENTICATED: [10, 401],
  TX_ERR_BAD_REQUEST: [402, 422],
  TX_ERR_UNSUPPORTED_MEDIA_TYPE: [409, 415],
  TX_ERR_FORBIDDEN: [405, 422],
  TX_ERR_SENDER_NOT_ALLOWED: [400, 422],
  // Postmark's own code for a sender signature that is not confirmed yet.
  TX_ERR_SENDER_NOT_VERIFIED: [401, 422],
  TX_ERR_TEMPLATE_NOT_FOUND: [1101, 422],
  TX_ERR_RATE_LIMITED: [429, 429],
  TX_ERR_UNAVAILABLE: [100, 503],
  TX_ERR_INTERNAL: [0, 500],
};
const MAX_BATCH = 500;

class PostmarkError extends TxError {
  constructor(
    code: ErrorCode,
    readonly errorCode: number,
    message: string,
  ) {
    super(code, message);
  }
}

function errorCodeOf(e: TxError): readonly [number, number] {
  if (e instanceof PostmarkError) return [e.errorCode, e.errorCode === 10 ? 401 : 422];
  return CODES[e.code] ?? [300, 422];
}

export function renderPostmarkError(e: TxError): RenderedError {
  const [ErrorCode, status] = errorCodeOf(e);
  return { status, body: { ErrorCode, Message: e.message } };
}

const NO_TOKEN =
  'No Account or Server API tokens were supplied in the HTTP headers. Please add a header for either X-Postmark-Server-Token or X-Postmark-Account-Token.';
const BAD_TOKEN = 'The Server Token you provided in the X-Postmark-Server-Token request header was invalid. Please verify that you are using a valid token.';

type Outcome = { readonly ok: true; readonly request: SendRequest; readonly to: string } | { readonly ok: false; readonly errorCode: number; readonly message: string };

export const postmarkPlugin: HttpPlugin = async (app, deps) => {
  compatErrors(app, renderPostmarkError);
  app.addHook('onRequest', async (req) => {
    const token = req.headers['x-postmark-server-token'];
    if (typeof token !== 'string' || token === '') throw new PostmarkError('TX_ERR_UNAUTHENTICATED', 10, NO_TOKEN);
    const auth = await deps.keys.verify(token, deps.now());
    if (!auth) throw new PostmarkError('TX_ERR_UNAUTHENTICATED', 10, BAD_TOKEN);
    if (!auth.scopes.includes('send') && !auth.scopes.includes('admin')) throw new PostmarkError('TX_ERR_FORBIDDEN', 405, 'Not allowed to send: this API key lacks the send scope.');
    req.compatAuth = auth;
  });

  const single = (templated: boolean) => async (req: FastifyRequest, reply: FastifyReply) => {
    const auth = authOfCompat(req);
    const outcome = await prepare(deps, auth.tenantId, req.body, templated);
    if (!outcome.ok) throw new PostmarkError(outcome.errorCode === 1101 ? 'TX_ERR_TEMPLATE_NOT_FOUND' : 'TX_ERR_VALIDATION', outcome.errorCode, outcome.message);
    const [answer] = await accept(deps, auth.tenantId, [outcome]);
    if (answer!.ErrorCode !== 0) throw new PostmarkError('TX_ERR_VALIDATION', answer!.ErrorCode as number, answer!.Message as string);
    return reply.status(200).send(answer);
  };
  const batch = (templated: boolean, key: string | undefined) => async (req: FastifyRequest, reply: FastifyReply) => {
    const auth = authOfCompat(req);
    const list = key === undefined ? req.body : (req.body as Record<string, unknown> | undefined)?.[key];
    if (!Array.isArray(list)) throw new PostmarkError('TX_ERR_BAD_REQUEST', 402, `The request body must be ${key === undefined ? 'a JSON array of messages' : `{"${key}": [messages]}`}.`);
    if (list.length > MAX_BATCH) throw new PostmarkError('TX_ERR_VALIDATION', 410, `Too many batch messages: at most ${MAX_BATCH} per request (${list.length}).`);
    // Parsed first (no template rendered yet) to bound the recipients of the request in all:
    // each message is bounded by limits.max_recipients, 500 of them would multiply it.
    const parsed = list.map((m: unknown) => ({ body: m, ...parsePostmarkMessage(m, templated) }));
    const total = parsed.reduce((n, p) => n + (p.message ? p.message.to.length + p.message.cc.length + p.message.bcc.length : 0), 0);
    if (total > deps.limits.maxRequestRecipients) {
      throw new PostmarkError('TX_ERR_TOO_MANY_RECIPIENTS', 300, `Maximum of ${deps.limits.maxRequestRecipients} recipients allowed per request, all messages of a batch together (this batch has ${total}).`);
    }
    const outcomes = await Promise.all(parsed.map((p) => prepare(deps, auth.tenantId, p.body, templated, p)));
    return reply.status(200).send(await accept(deps, auth.tenantId, outcomes));
  };

  app.post('/email', single(false));
  app.post('/email/withTemplate', single(true));
  app.post('/email/batch', batch(false, undefined));
  app.post('/email/batchWithTemplates', batch(true, 'Messages'));
};

/** One message parsed (and its template rendered) into a SendRequest, or Postmark's error for it. */
async function prepare(deps: HttpDeps, tenantId: string, body: unknown, templated: boolean, parsed = parsePostmarkMessage(body, templated)): Promise<Outcome> {
  const { message, errors } = parsed;
  if (!message) return { ok: false, errorCode: errorCodeFor(errors), message: describe(errors) };
  try {
    const count = message.to.length + message.cc.length + message.bcc.length;
    if (count > deps.limits.maxRecipients) return { ok: false, errorCode: 300, message: `Maximum of ${deps.limits.maxRecipients} recipients allowed per email message.` };
    const to = (body as { To?: unknown }).To;
    return { ok: true, request: await toSendRequest(deps, tenantId, message), to: typeof to === 'string' ? to : '' };
  } catch (e) {
    if (!(e instanceof TxError)) throw e;
    return { ok: false, errorCode: errorCodeOf(e)[0], message: e.message };
  }
}

async function toSendRequest(deps: HttpDeps, tenantId: string, m: PmMessage): Promise<SendRequest> {
  const base = { from: m.from, to: m.to, cc: m.cc, bcc: m.bcc, tags: m.tags, metadata: m.metadata, ...(m.tracking ? { tracking: m.tracking } : {}) };
  // The broadcast stream is bulk mail, marked the way the native API's `bulk: true` marks it
  // (unless the caller set Precedence itself): List-Unsubscribe follows from it.
  const headers = m.bulk && !m.headers.some((h) => h.name.toLowerCase() === 'precedence') ? [...m.headers, { name: 'Precedence', value: 'bulk' }] : m.headers;
  if (!m.template) {
    const { text, html } = m;
    return { ...base, content: { kind: 'parts', subject: m.subject, ...(text === undefined ? {} : { text }), ...(html === undefined ? {} : { html }), headers, attachments: m.attachments, replyTo: m.replyTo } };
  }
  const { compiled } = await deps.templates.resolve(tenantId, m.template.ref, undefined, 'TemplateAlias');
  let rendered = deps.templates.render(compiled, m.template.model);
  if (m.template.inlineCss && rendered.html !== undefined) rendered = { ...rendered, html: inlineCss(rendered.html) };
  return { ...base, content: withRendered(emptyParts({ headers, attachments: m.attachments, replyTo: m.replyTo }), rendered) };
}

/** Accepts every valid message in one commit; answers one entry per input, in order. */
async function accept(deps: HttpDeps, tenantId: string, outcomes: readonly Outcome[]): Promise<Array<Record<string, unknown>>> {
  const valid = outcomes.filter((o): o is Extract<Outcome, { ok: true }> => o.ok);
  const accepted: AcceptedMessage[] = [];
  if (valid.length > 0) {
    const result = await deps.send.send(tenantId, valid.map((o) => o.request), { ingress: 'postmark' });
    if (result.kind !== 'accepted') throw new TxError('TX_ERR_INTERNAL', 'Unexpected acceptance outcome.');
    accepted.push(...result.messages);
  }
  const submittedAt = new Date(deps.now()).toISOString();
  let next = 0;
  return outcomes.map((o) => {
    if (!o.ok) return { ErrorCode: o.errorCode, Message: o.message };
    const m = accepted[next++]!;
    const inactive = m.recipients.filter((r) => r.status === 'dropped');
    if (inactive.length === m.recipients.length) {
      // Postmark refuses a message whose recipients are all suppressed; the client library
      // parses the addresses out of these very words.
      return {
        ErrorCode: 406,
        Message: `You tried to send to recipient(s) that have been marked as inactive. Found inactive addresses: ${inactive.map((r) => r.address).join(', ')}. Inactive recipients are ones that have generated a hard bounce, a spam complaint, or a manual suppression.`,
      };
    }
    return { To: o.to, SubmittedAt: submittedAt, MessageID: m.messageId, ErrorCode: 0, Message: 'OK' };
  });
}
