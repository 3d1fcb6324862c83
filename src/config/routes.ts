// Routes (like Postfix's transport map) and per-destination overrides, parsed from config.
// A route's CA file is read here, at start, so a wrong path stops the start naming the key.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';

export type TlsMode = 'none' | 'opportunistic' | 'required' | 'implicit';

export interface Route {
  /** `example.com`, `*.example.com` (subdomains only) or `*` (everything). */
  readonly match: string;
  readonly host: string;
  readonly port: number;
  readonly tls: TlsMode;
  readonly auth?: { readonly user: string; readonly pass: string };
  /** The name the certificate must be valid for, when not `host` (`tls_name`). */
  readonly tlsName?: string;
  /** CA certificates trusted instead of the system roots (`tls_ca_file`, read at start). */
  readonly tlsCa?: { readonly file: string; readonly pem: string };
}

/** Modes in which the route's certificate is verified (chain and host name). */
export function verifiesCertificate(tls: TlsMode): boolean {
  return tls === 'required' || tls === 'implicit';
}

export interface DestinationOverride {
  readonly match: string;
  readonly maxConnections: number;
}

const PATTERN = /^(\*|\*\.[a-z0-9.-]+|[a-z0-9.-]+)$/i;
const HOST_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$/i;
const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;
const TLS_MODES: readonly TlsMode[] = ['none', 'opportunistic', 'required', 'implicit'];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function unknownKeys(o: Record<string, unknown>, allowed: readonly string[]): string | undefined {
  const extra = Object.keys(o).find((k) => !allowed.includes(k));
  return extra === undefined ? undefined : `unknown field "${extra}" (allowed: ${allowed.join(', ')})`;
}

export function parseRoutes(v: unknown): Route[] | string {
  const shape = 'a list of {match, host, port, tls: none|opportunistic|required|implicit, tls_name?, tls_ca_file?, auth?: {user, pass}}';
  if (!Array.isArray(v)) return shape;
  const out: Route[] = [];
  for (const [i, r] of v.entries()) {
    const route = parseRoute(r);
    if (typeof route === 'string') return `${shape}; item ${i}${route.startsWith(' ') ? '' : ': '}${route}`;
    out.push(route);
  }
  return out;
}

function parseRoute(r: unknown): Route | string {
  if (!isObject(r)) return ' is not an object';
  const extra = unknownKeys(r, ['match', 'host', 'port', 'tls', 'tls_name', 'tls_ca_file', 'auth']);
  if (extra) return extra;
  if (typeof r.match !== 'string' || !PATTERN.test(r.match)) return 'match must be a domain, *.domain or *';
  if (typeof r.host !== 'string' || r.host === '') return 'host must be a host name or IP address';
  const port = r.port ?? 25;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return 'port must be 1-65535';
  const tls = r.tls ?? 'opportunistic';
  if (!TLS_MODES.includes(tls as TlsMode)) return `tls must be one of ${TLS_MODES.join(', ')}`;
  const mode = tls as TlsMode;
  const verified = verifiesCertificate(mode);
  let auth: Route['auth'];
  if (r.auth !== undefined) {
    if (!isObject(r.auth) || typeof r.auth.user !== 'string' || typeof r.auth.pass !== 'string') return 'auth must be {user, pass}';
    // Like Postfix with smtp_tls_security_level=secure for a relay that needs SASL: credentials
    // only ever travel over TLS whose certificate was verified, so anything less is a mistake.
    if (!verified) return `auth needs tls: required or implicit (credentials are only sent over TLS with a verified certificate), not tls: ${mode}`;
    auth = { user: r.auth.user, pass: r.auth.pass };
  }
  let tlsName: string | undefined;
  if (r.tls_name !== undefined) {
    if (typeof r.tls_name !== 'string' || (!HOST_NAME.test(r.tls_name) && isIP(r.tls_name) === 0)) return 'tls_name must be a host name or IP address';
    if (!verified) return `tls_name only applies with tls: required or implicit, not tls: ${mode}`;
    tlsName = r.tls_name.replace(/\.$/, '').toLowerCase();
  }
  let tlsCa: Route['tlsCa'];
  if (r.tls_ca_file !== undefined) {
    if (typeof r.tls_ca_file !== 'string' || r.tls_ca_file === '') return 'tls_ca_file must be the path of a PEM file';
    if (!verified) return `tls_ca_file only applies with tls: required or implicit, not tls: ${mode}`;
    const ca = readCaFile(r.tls_ca_file);
    if (typeof ca === 'string') return ca;
    tlsCa = ca;
  }
  return {
    match: r.match.toLowerCase(),
    host: r.host,
    port,
    tls: mode,
    ...(auth ? { auth } : {}),
    ...(tlsName !== undefined ? { tlsName } : {}),
    ...(tlsCa ? { tlsCa } : {}),
  };
}

function readCaFile(file: string): { file: string; pem: string } | string {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (e) {
    return `tls_ca_file ${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
  }
  if (!PEM_CERT.test(pem)) return `tls_ca_file ${file}: holds no PEM certificate (-----BEGIN CERTIFICATE-----)`;
  return { file, pem };
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
