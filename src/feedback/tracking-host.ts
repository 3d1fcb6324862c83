// The tracking host: the open pixel and the click redirect, served without authentication under
// public_url (`<public_url>/t/o/<token>`, `<public_url>/t/c/<token>`). Every request is
// answered the same way whatever happens to the event: a pixel for any open URL (a bad token
// learns nothing), a redirect only to the destination inside a token we signed, and a plain 404
// page for a click token that does not verify: never a redirect to anywhere else.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { readClickToken, readOpenToken, TRACKING_PREFIX } from '../domain/tracking/links.js';
import { EventLimiter, type EventLimits } from '../domain/tracking/limit.js';
import { classifyEngagement } from '../domain/tracking/machine.js';
import type { HttpPlugin } from '../ingress/http/app.js';
import { newSecret } from '../lib/ids.js';
import type { Store } from '../store/store.js';
import { TRACKING_SECRET } from './tracking-hook.js';

export interface TrackingHostOptions {
  readonly store: Store;
  readonly publicUrl: string;
  readonly now: () => number;
  readonly clickWindowMs: number;
  readonly trustForwardedFor: boolean;
  readonly eventLimits: EventLimits;
  readonly log: Logger;
}

// A transparent 1×1 GIF.
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const INVALID_PAGE = '<!doctype html><meta charset="utf-8"><title>Link not valid</title><p>This link is not valid. Please use the link from the original message.</p>\n';

export function trackingHost(opts: TrackingHostOptions): HttpPlugin {
  // Tracking URLs start with public_url, path included; a reverse proxy passes the path through.
  const prefix = new URL(opts.publicUrl).pathname.replace(/\/+$/, '') + TRACKING_PREFIX;
  let secret: Promise<string> | undefined;
  const getSecret = (): Promise<string> => (secret ??= opts.store.getOrCreateSecret(TRACKING_SECRET, () => newSecret(32)));
  const limiter = new EventLimiter(opts.eventLimits);

  const clientIp = (req: FastifyRequest): string | null => {
    const fwd = req.headers['x-forwarded-for'];
    if (opts.trustForwardedFor && typeof fwd === 'string' && fwd.trim() !== '') return fwd.split(',')[0]!.trim();
    return req.socket.remoteAddress ?? null;
  };

  /** Writes the open or click; failures are logged, never shown to the recipient. */
  const record = async (req: FastifyRequest, kind: 'opened' | 'clicked', deliveryId: string, extra: Record<string, unknown>): Promise<void> => {
    const ip = clientIp(req);
    // Checked before the store is read: a flood costs neither a query nor an event.
    if (!limiter.allow(opts.now(), `${kind}:${deliveryId}`, ip)) return;
    try {
      const ref = await opts.store.getDeliveryRef(deliveryId);
      if (!ref) return;
      const now = opts.now();
      const userAgent = typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'].slice(0, 512) : null;
      const verdict = classifyEngagement(
        { kind: kind === 'opened' ? 'open' : 'click', method: req.method, userAgent, ip, sinceDeliveredMs: ref.deliveredAt === null ? null : now - ref.deliveredAt },
        { clickWindowMs: opts.clickWindowMs },
      );
      const data = { ...extra, user_agent: userAgent, ip, machine: verdict.machine, ...(verdict.machine ? { machine_reason: verdict.reason } : {}) };
      await opts.store.recordEngagement({ ref, kind, at: now, human: !verdict.machine, data });
    } catch (err) {
      opts.log.error({ err, delivery: deliveryId, kind }, 'recording an engagement event failed');
    }
  };

  const noStore = (reply: FastifyReply): FastifyReply => reply.header('cache-control', 'no-store, no-cache, must-revalidate, private').header('referrer-policy', 'no-referrer');

  return async (app: FastifyInstance) => {
    // Wildcards, not :params: find-my-way caps a :param at 100 characters and click tokens are longer.
    app.get<{ Params: { '*': string } }>(`${prefix}/o/*`, async (req, reply) => {
      const open = readOpenToken(await getSecret(), req.params['*']);
      if (open) await record(req, 'opened', open.deliveryId, {});
      return noStore(reply).type('image/gif').send(PIXEL);
    });
    app.get<{ Params: { '*': string } }>(`${prefix}/c/*`, async (req, reply) => {
      const click = readClickToken(await getSecret(), req.params['*']);
      if (!click) return noStore(reply).status(404).type('text/html; charset=utf-8').send(INVALID_PAGE);
      await record(req, 'clicked', click.deliveryId, { url: click.url });
      return noStore(reply).redirect(click.url, 302);
    });
  };
}
