// The unsubscribe endpoint under public_url, without authentication (the signed token is the
// authority). RFC 8058: a POST unsubscribes at once, whatever its body (mailbox providers send
// `List-Unsubscribe=One-Click`; no cookies, no redirect, no confirmation). A GET (a person
// following the link) records the unsubscribe too and shows a small page that confirms it, as
// the product requires. Link scanners that fetch URLs on their own can therefore unsubscribe
// a recipient; the token only ever names that one recipient, and the event says `page`.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { HttpPlugin } from '../ingress/http/app.js';
import type { FeedbackProcessor } from './processor.js';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(reply: FastifyReply, status: number, title: string, body: string): FastifyReply {
  return reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .header('x-robots-tag', 'noindex')
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${esc(title)}</title>` +
        `<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32em;margin:4em auto;padding:0 1em}button{font:inherit;padding:.5em 1.2em}</style>` +
        `</head><body><h1>${esc(title)}</h1>${body}</body></html>`,
    );
}

const INVALID = '<p>This unsubscribe link is not valid: it may have been altered or cut short. Use the link from the original message.</p>';

/** `prefix` is the path of public_url (empty for a bare host), so links work behind a path-keeping proxy. */
export function unsubscribePlugin(processor: FeedbackProcessor, prefix: string): HttpPlugin {
  const base = prefix.replace(/\/+$/, '');
  return async (app: FastifyInstance) => {
    // Any body is accepted and ignored (RFC 8058 §3.1 allows form-urlencoded and multipart).
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 64 * 1024 }, (_req, body, done) => done(null, body));

    // A wildcard, not `:token`: fastify caps parametric segments at 100 characters and a token
    // holding the tenant, delivery and address is longer.
    app.get<{ Params: { '*': string } }>(`${base}/u/*`, async (req, reply) => {
      const claim = await processor.claim(req.params['*']);
      if (!claim) return page(reply, 400, 'Invalid link', INVALID);
      await processor.unsubscribe(claim, 'page');
      return page(reply, 200, 'Unsubscribed', `<p><strong>${esc(claim.a)}</strong> will receive no more email from this sender.</p>`);
    });

    app.post<{ Params: { '*': string } }>(`${base}/u/*`, async (req, reply) => {
      const claim = await processor.claim(req.params['*']);
      if (!claim) return page(reply, 400, 'Invalid link', INVALID);
      const body = Buffer.isBuffer(req.body) ? req.body.toString('latin1') : '';
      await processor.unsubscribe(claim, /List-Unsubscribe=One-Click/i.test(body) ? 'one_click' : 'page');
      return page(reply, 200, 'Unsubscribed', `<p><strong>${esc(claim.a)}</strong> will receive no more email from this sender.</p>`);
    });
  };
}
