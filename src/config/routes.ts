// Routes (like Postfix's transport map) and per-destination overrides, parsed from config.

export type TlsMode = 'none' | 'opportunistic' | 'required' | 'implicit';

export interface Route {
  /** `example.com`, `*.example.com` (subdomains only) or `*` (everything). */
  readonly match: string;
  readonly host: string;
  readonly port: number;
  readonly tls: TlsMode;
  readonly auth?: { readonly user: string; readonly pass: string };
}

export interface DestinationOverride {
  readonly match: string;
  readonly maxConnections: number;
}

const PATTERN = /^(\*|\*\.[a-z0-9.-]+|[a-z0-9.-]+)$/i;
const TLS_MODES: readonly TlsMode[] = ['none', 'opportunistic', 'required', 'implicit'];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function unknownKeys(o: Record<string, unknown>, allowed: readonly string[]): string | undefined {
  const extra = Object.keys(o).find((k) => !allowed.includes(k));
  return extra === undefined ? undefined : `unknown field "${extra}" (allowed: ${allowed.join(', ')})`;
}

export function parseRoutes(v: unknown): Route[] | string {
  const shape = 'a list of {match, host, port, tls: none|opportunistic|required|implicit, auth?: {user, pass}}';
  if (!Array.isArray(v)) return shape;
  const out: Route[] = [];
  for (const [i, r] of v.entries()) {
    if (!isObject(r)) return `${shape}; item ${i} is not an object`;
    const extra = unknownKeys(r, ['match', 'host', 'port', 'tls', 'auth']);
    if (extra) return `${shape}; item ${i}: ${extra}`;
    if (typeof r.match !== 'string' || !PATTERN.test(r.match)) return `${shape}; item ${i}: match must be a domain, *.domain or *`;
    if (typeof r.host !== 'string' || r.host === '') return `${shape}; item ${i}: host must be a host name or IP address`;
    const port = r.port ?? 25;
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return `${shape}; item ${i}: port must be 1-65535`;
    const tls = r.tls ?? 'opportunistic';
    if (!TLS_MODES.includes(tls as TlsMode)) return `${shape}; item ${i}: tls must be one of ${TLS_MODES.join(', ')}`;
    let auth: Route['auth'];
    if (r.auth !== undefined) {
      if (!isObject(r.auth) || typeof r.auth.user !== 'string' || typeof r.auth.pass !== 'string') return `${shape}; item ${i}: auth must be {user, pass}`;
      auth = { user: r.auth.user, pass: r.auth.pass };
    }
    out.push({ match: r.match.toLowerCase(), host: r.host, port, tls: tls as TlsMode, ...(auth ? { auth } : {}) });
  }
  return out;
}

export function parseDestinationOverrides(v: unknown): DestinationOverride[] | string {
  const shape = 'a list of {match, max_connections}';
  if (!Array.isArray(v)) return shape;
  const out: DestinationOverride[] = [];
  for (const [i, r] of v.entries()) {
    if (!isObject(r)) return `${shape}; item ${i} is not an object`;
    const extra = unknownKeys(r, ['match', 'max_connections']);
    if (extra) return `${shape}; item ${i}: ${extra}`;
    if (typeof r.match !== 'string' || !PATTERN.test(r.match)) return `${shape}; item ${i}: match must be a domain, *.domain or *`;
    const n = r.max_connections;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 10000) return `${shape}; item ${i}: max_connections must be an integer 1-10000`;
    out.push({ match: r.match.toLowerCase(), maxConnections: n });
  }
  return out;
}
