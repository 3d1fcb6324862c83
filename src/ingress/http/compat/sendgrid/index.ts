// SendGrid v3 compatibility: POST /v3/mail/send with `Authorization: Bearer <API key>`, so
// @sendgrid/mail works with only its base URL changed. One message per personalization, all
// accepted atomically in one SendService.send call; 202 with an empty body and X-Message-Id;
// sandbox mode runs every check a real send runs (validation, templates, sender domain, the
// composed size) and stores nothing (200).
// Errors in SendGrid's shape: {"errors": [{"message", "field", "help"}]}.
import { TxError } from '../../../../domain/errors.js';
import type { SendRequest } from '../../../../domain/message/types.js';
import { parseMetadata } from '../../../../domain/message/validate.js';
import type { Rendered } from '../../../../compose/template/render.js';
import type { TemplateService } from '../../../templates.js';
import type { HttpPlugin } from '../../app.js';
import { authOfCompat, compatErrors, mergeHeaders, type RenderedError } from '../common.js';
import { parseSendGridMail, type SgMail, type SgPersonalization } from './parse.js';
import { withFooter, withUtmParams } from './settings.js';

/** `personalizations[0].to[1].email` → `personalizations.0.to.1.email`, as SendGrid names fields. */
export function sendGridField(path: string): string {
  return path.replace(/\[(\d+)\]/g, '.$1').replace(/\["([^"]*)"\]/g, '.$1');
}

export function renderSendGridError(e: TxError): RenderedError {
  // SendGrid answers invalid requests with 400 where our native API says 422.
  const status = e.status === 422 ? 400 : e.status;
  const errors =
    e.fields.length > 0
      ? e.fields.map((f) => ({ message: f.message, field: sendGridField(f.path), help: null }))
      : [{ message: e.message, field: null, help: null }];
  return { status, body: { errors } };
}

export const sendgridPlugin: HttpPlugin = async (app, deps) => {
  compatErrors(app, renderSendGridError);
  app.addHook('onRequest', async (req) => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!m) throw new TxError('TX_ERR_UNAUTHENTICATED', 'authorization required');
    const auth = await deps.keys.verify(m[1]!, deps.now());
    // SendGrid's own words, which clients and their logs already know.
    if (!auth) throw new TxError('TX_ERR_UNAUTHENTICATED', 'The provided authorization grant is invalid, expired, or revoked');
    req.compatAuth = auth;
  });

  app.post('/v3/mail/send', async (req, reply) => {
    const auth = authOfCompat(req);
    if (!auth.scopes.includes('send') && !auth.scopes.includes('admin')) throw new TxError('TX_ERR_FORBIDDEN', 'access forbidden');
    // A subuser's mail sent with the parent's key: txmail's tenants have keys of their own, and
    // sending the message from the key's own account instead would be silently wrong.
    if (req.headers['on-behalf-of'] !== undefined) {
      throw new TxError('TX_ERR_VALIDATION', 'On-Behalf-Of is not supported', [
        { path: 'On-Behalf-Of', message: "On-Behalf-Of (sending as a subuser) is not supported by this server (txmail): use an API key of the subuser's own account." },
      ]);
    }
    const mail = parseSendGridMail(req.body, deps.limits, deps.now());
    const requests = await toSendRequests(deps.templates, auth.tenantId, mail);
    if (mail.sandbox) {
      await deps.send.check(auth.tenantId, requests);
      return reply.status(200).send();
    }
    const outcome = await deps.send.send(auth.tenantId, requests, { ingress: 'sendgrid' });
    if (outcome.kind !== 'accepted') throw new TxError('TX_ERR_INTERNAL', 'Unexpected acceptance outcome.');
    const ids = outcome.messages.map((m) => m.messageId);
    req.log.info({ messages: ids.length, first: ids[0], tenant: auth.tenantId, via: 'sendgrid' }, 'messages accepted');
    // SendGrid has one X-Message-Id per request; ours is the first message's id, and every
    // personalization's message id is listed in the second header.
    return reply.status(202).header('X-Message-Id', ids[0]).header('X-Txmail-Message-Ids', ids.join(',')).send();
  });
};

/** One SendRequest per personalization; a template is resolved once and rendered per personalization. */
export async function toSendRequests(templates: TemplateService, tenantId: string, mail: SgMail): Promise<SendRequest[]> {
  const compiled = mail.templateId === undefined ? undefined : (await templates.resolve(tenantId, mail.templateId)).compiled;
  // One budget for every personalization: a thousand of them must not multiply it.
  const budget = templates.budget();
  return mail.personalizations.map((p, i) => {
    const path = `personalizations[${i}]`;
    let rendered: Rendered;
    if (compiled) {
      try {
        rendered = templates.render(compiled, p.data, undefined, budget);
      } catch (e) {
        // Point at this personalization's data rather than at a generic template_data.
        if (e instanceof TxError) throw new TxError(e.code, e.message, e.fields.map((f) => ({ ...f, path: f.path.replace(/^template_data/, `${path}.dynamic_template_data`) })));
        throw e;
      }
    } else {
      rendered = { subject: '', ...(mail.text === undefined ? {} : { text: mail.text }), ...(mail.html === undefined ? {} : { html: mail.html }) };
    }
    // A dynamic template's subject wins; an empty one falls back to the request's.
    const subject = substitute(rendered.subject || (p.subject ?? mail.subject ?? ''), p, mail.sections);
    // The footer first, so its links get the campaign parameters too.
    const { text, html } = withUtmParams(
      withFooter(
        {
          ...(rendered.text === undefined ? {} : { text: substitute(rendered.text, p, mail.sections) }),
          ...(rendered.html === undefined ? {} : { html: substitute(rendered.html, p, mail.sections) }),
        },
        mail.footer,
      ),
      mail.utm,
    );
    const metadata = parseMetadata({ ...mail.customArgs, ...p.customArgs }, `${path}.custom_args`);
    if (metadata.errors.length > 0) throw new TxError('TX_ERR_VALIDATION', `Invalid request: ${metadata.errors[0]!.message}`, metadata.errors);
    const sendAt = p.sendAt ?? mail.sendAt;
    const request: SendRequest = {
      from: p.from ?? mail.from,
      to: p.to,
      cc: p.cc,
      bcc: p.bcc,
      content: {
        kind: 'parts',
        subject,
        ...(text === undefined ? {} : { text }),
        ...(html === undefined ? {} : { html }),
        headers: mergeHeaders(mail.headers, p.headers),
        attachments: mail.attachments,
        replyTo: mail.replyTo,
      },
      tags: mail.categories,
      metadata: metadata.value,
      ...(sendAt === undefined ? {} : { sendAt }),
      ...(mail.tracking ? { tracking: mail.tracking } : {}),
    };
    return request;
  });
}

/**
 * Legacy substitutions: each key replaced literally, everywhere, by its value; then sections,
 * so a substitution can name a section (`-greeting-` → `-formalGreeting-` → its text).
 */
function substitute(s: string, p: SgPersonalization, sections: ReadonlyArray<readonly [string, string]>): string {
  let out = s;
  for (const [key, value] of p.substitutions) if (key !== '') out = out.split(key).join(value);
  for (const [key, value] of sections) if (key !== '') out = out.split(key).join(value);
  return out;
}
