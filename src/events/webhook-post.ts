// One webhook POST, made safely: the host's addresses go through the egress filter (DESIGN.md
// invariant 5) inside the connection's own DNS lookup, so the address checked is the address
// connected to (no window for DNS rebinding); redirects are never followed (a 3xx is a failure);
// one deadline covers connecting, sending and reading the answer. Outcomes are values.
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { checkEgress } from '../domain/routing/egress.js';

export interface PostResult {
  /** A 2xx answer. */
  readonly ok: boolean;
  readonly status: number | null;
  readonly latencyMs: number;
  readonly error: string | null;
}

export type LookupAll = (hostname: string, options: LookupAllOptions, cb: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

export interface PosterOptions {
  readonly timeoutMs: number;
  readonly allowPrivate: boolean;
  /** DNS lookup (tests substitute one); node's resolver by default. */
  readonly lookup?: LookupAll;
}

const USER_AGENT = 'txmail-webhooks/1';
const KEEP_RESPONSE = 300;

class EgressRefused extends Error {
  readonly code = 'EGRESS_REFUSED';
}

/** Why `host` may not be connected to (an IP literal the egress filter refuses), or undefined. */
function refuseLiteral(host: string, allowPrivate: boolean): string | undefined {
  const bare = host.startsWith('[') ? host.slice(1, -1) : host;
  if (isIP(bare) === 0) return undefined;
  const v = checkEgress(bare, allowPrivate);
  return v.ok ? undefined : `refused: ${v.why}`;
}

/** A lookup for http.request that hands the socket only addresses the egress filter allows. */
export function safeLookup(allowPrivate: boolean, lookup: LookupAll = dnsLookup as unknown as LookupAll) {
  // The signature node's net module calls: (hostname, options, callback) with options.all set or not.
  return (hostname: string, options: { family?: number; all?: boolean; hints?: number }, cb: (...args: unknown[]) => void): void => {
    lookup(hostname, { all: true, ...(options.family ? { family: options.family } : {}), ...(options.hints ? { hints: options.hints } : {}) }, (err, addresses) => {
      if (err) return cb(err);
      const verdicts = addresses.map((a) => ({ a, v: checkEgress(a.address, allowPrivate) }));
      const allowed = verdicts.filter((x) => x.v.ok).map((x) => x.a);
      if (allowed.length === 0) {
        const why = verdicts.map((x) => (x.v.ok ? '' : x.v.why)).join('; ');
        return cb(new EgressRefused(`refused: ${hostname} resolves to no public address (${why || 'no addresses'})`));
      }
      if (options.all) cb(null, allowed);
      else cb(null, allowed[0]!.address, allowed[0]!.family);
    });
  };
}

/** Checks a webhook URL's host now (the API refuses what the dispatcher would refuse). */
export async function checkWebhookTarget(url: string, allowPrivate: boolean, lookup: LookupAll = dnsLookup as unknown as LookupAll): Promise<string | undefined> {
  const host = new URL(url).hostname;
  const literal = refuseLiteral(host, allowPrivate);
  if (literal !== undefined || isIP(host.replace(/^\[|\]$/g, '')) !== 0) return literal;
  return new Promise((resolve) => {
    safeLookup(allowPrivate, lookup)(host, { all: true }, (err) => {
      const e = err as NodeJS.ErrnoException | null;
      resolve(e ? (e instanceof EgressRefused ? e.message : `${host} does not resolve (${e.code ?? e.message})`) : undefined);
    });
  });
}

export class WebhookPoster {
  private readonly _http: http.Agent;
  private readonly _https: https.Agent;
  private readonly _lookup: ReturnType<typeof safeLookup>;

  constructor(private readonly _opts: PosterOptions) {
    // Keep-alive: an endpoint that gets a batch every second should not pay a handshake each time.
    this._http = new http.Agent({ keepAlive: true, maxFreeSockets: 64 });
    this._https = new https.Agent({ keepAlive: true, maxFreeSockets: 64 });
    this._lookup = safeLookup(_opts.allowPrivate, _opts.lookup);
  }

  post(url: string, body: string, headers: Readonly<Record<string, string>>): Promise<PostResult> {
    const started = performance.now();
    const done = (status: number | null, error: string | null): PostResult => ({
      ok: status !== null && status >= 200 && status < 300,
      status,
      latencyMs: Math.round(performance.now() - started),
      error,
    });
    const u = new URL(url);
    const refused = refuseLiteral(u.hostname, this._opts.allowPrivate);
    if (refused !== undefined) return Promise.resolve(done(null, refused));
    const secure = u.protocol === 'https:';
    return new Promise((resolve) => {
      let settled = false;
      const finish = (r: PostResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(r);
      };
      const req = (secure ? https : http).request(
        u,
        {
          method: 'POST',
          agent: secure ? this._https : this._http,
          lookup: this._lookup as unknown as LookupFunctionCompat,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': USER_AGENT, ...headers },
        },
        (res) => {
          const status = res.statusCode ?? 0;
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            if (text.length < KEEP_RESPONSE) text += chunk;
          });
          res.on('error', (e) => finish(done(null, `response broke off: ${e.message}`)));
          res.on('end', () => {
            if (status >= 200 && status < 300) return finish(done(status, null));
            const excerpt = text.slice(0, KEEP_RESPONSE).replace(/\s+/g, ' ').trim();
            const what = status >= 300 && status < 400 ? `HTTP ${status} redirect${res.headers.location ? ` to ${res.headers.location}` : ''} not followed` : `HTTP ${status}`;
            finish(done(status, excerpt ? `${what}: ${excerpt}` : what));
          });
        },
      );
      const timer = setTimeout(() => {
        finish(done(null, `timed out after ${this._opts.timeoutMs} ms`));
        req.destroy();
      }, this._opts.timeoutMs);
      req.on('error', (e: NodeJS.ErrnoException) => finish(done(null, e instanceof EgressRefused ? e.message : `${e.code ?? 'error'}: ${e.message}`)));
      req.end(body);
    });
  }

  close(): void {
    this._http.destroy();
    this._https.destroy();
  }
}

// http.RequestOptions['lookup'] is typed as node's LookupFunction; ours has the same runtime contract.
type LookupFunctionCompat = NonNullable<http.RequestOptions['lookup']>;
