// AWS Signature Version 4, checked on the server side: rebuild the canonical request from what
// arrived, sign it with the secret belonging to the access key id, compare in constant time.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
// Pure: the caller supplies the request parts, the secret lookup and the time.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface SignedRequest {
  readonly method: string;
  /** Path and query exactly as received (still percent-encoded). */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

export interface Authorization {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

/** Why a request is refused, named as AWS names it (x-amzn-ErrorType). */
export type SigV4Failure =
  | { readonly type: 'MissingAuthenticationTokenException'; readonly message: string }
  | { readonly type: 'IncompleteSignatureException'; readonly message: string }
  | { readonly type: 'InvalidSignatureException'; readonly message: string };

const AUTH = /^AWS4-HMAC-SHA256\s+Credential=([^/\s,]+)\/(\d{8})\/([^/\s,]+)\/([^/\s,]+)\/aws4_request\s*,\s*SignedHeaders=([a-z0-9;_.-]+)\s*,\s*Signature=([0-9a-f]{64})\s*$/;
const AMZ_DATE = /^(\d{8})T(\d{6})Z$/;
/** AWS's own limit on clock difference. */
export const MAX_SKEW_MS = 15 * 60_000;

const header = (h: SignedRequest['headers'], name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v.join(',') : v;
};

export function parseAuthorization(value: string | undefined): Authorization | SigV4Failure {
  if (value === undefined || value === '') return { type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' };
  const m = AUTH.exec(value.trim());
  if (!m) {
    return {
      type: 'IncompleteSignatureException',
      message: `Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters of AWS4-HMAC-SHA256. Authorization=${value.slice(0, 40)}...`,
    };
  }
  const [, accessKeyId, date, region, service, signed, signature] = m as unknown as [string, string, string, string, string, string, string];
  return { accessKeyId, date, region, service, signedHeaders: signed.split(';'), signature };
}

const escapeUri = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const decode = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/** The path as the AWS SDKs canonicalise it for every service but S3: normalised, then encoded again. */
function canonicalPath(path: string): string {
  const segments: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') segments.pop();
    else segments.push(seg);
  }
  const normalised = `${path.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && path.endsWith('/') ? '/' : ''}`;
  return escapeUri(normalised).replace(/%2F/g, '/');
}

function canonicalQuery(query: string): string {
  if (query === '') return '';
  const pairs = query
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const eq = p.indexOf('=');
      const k = eq < 0 ? p : p.slice(0, eq);
      const v = eq < 0 ? '' : p.slice(eq + 1);
      return `${escapeUri(decode(k))}=${escapeUri(decode(v))}`;
    })
    .filter((p) => !p.toLowerCase().startsWith('x-amz-signature='));
  return pairs.sort().join('&');
}

export function canonicalRequest(req: SignedRequest, signedHeaders: readonly string[], payloadHash: string): string {
  const q = req.url.indexOf('?');
  const path = q < 0 ? req.url : req.url.slice(0, q);
  const query = q < 0 ? '' : req.url.slice(q + 1);
  const headers = signedHeaders.map((name) => `${name}:${(header(req.headers, name) ?? '').replace(/[\r\n]/g, ' ').replace(/[ \t]+/g, ' ').trim()}\n`).join('');
  return [req.method.toUpperCase(), canonicalPath(path), canonicalQuery(query), headers, signedHeaders.join(';'), payloadHash].join('\n');
}

export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
}

export function sign(req: SignedRequest, auth: Omit<Authorization, 'signature'>, amzDate: string, secret: string): string {
  const payloadHash = createHash('sha256').update(req.body).digest('hex');
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonicalRequest(req, auth.signedHeaders, payloadHash)).digest('hex')].join('\n');
  return createHmac('sha256', signingKey(secret, auth.date, auth.region, auth.service)).update(stringToSign).digest('hex');
}

const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

/** Checks the signature of `req`, already parsed into `auth`, with the key's `secret`; undefined when it holds. */
export function verify(req: SignedRequest, auth: Authorization, secret: string, service: string, now: number): SigV4Failure | undefined {
  const amzDate = header(req.headers, 'x-amz-date');
  const m = amzDate === undefined ? null : AMZ_DATE.exec(amzDate);
  if (!m || amzDate === undefined) return { type: 'IncompleteSignatureException', message: 'Authorization header requires existence of either a \'X-Amz-Date\' or a \'Date\' header.' };
  for (const required of ['host', 'x-amz-date']) {
    if (!auth.signedHeaders.includes(required)) return { type: 'IncompleteSignatureException', message: `'${required}' must be a signed header.` };
  }
  if ([...auth.signedHeaders].sort().join(';') !== auth.signedHeaders.join(';')) return { type: 'IncompleteSignatureException', message: 'SignedHeaders must be sorted.' };
  if (auth.service !== service) return { type: 'InvalidSignatureException', message: `Credential should be scoped to correct service: '${service}'.` };
  if (auth.date !== m[1]) return { type: 'InvalidSignatureException', message: `Credential should be scoped to a valid date: '${m[1]!}'.` };
  const t = Date.UTC(Number(amzDate.slice(0, 4)), Number(amzDate.slice(4, 6)) - 1, Number(amzDate.slice(6, 8)), Number(amzDate.slice(9, 11)), Number(amzDate.slice(11, 13)), Number(amzDate.slice(13, 15)));
  if (Math.abs(now - t) > MAX_SKEW_MS) {
    return { type: 'InvalidSignatureException', message: `Signature expired: ${amzDate} is outside the allowed clock skew of 15 minutes from ${new Date(now).toISOString()}.` };
  }
  // A signed x-amz-content-sha256 must be the body's real hash: otherwise a captured
  // signature could carry a different body.
  const claimed = header(req.headers, 'x-amz-content-sha256');
  if (claimed !== undefined && claimed !== createHash('sha256').update(req.body).digest('hex')) {
    return { type: 'InvalidSignatureException', message: 'The provided x-amz-content-sha256 header does not match what was computed.' };
  }
  const expected = Buffer.from(sign(req, auth, amzDate, secret), 'hex');
  const given = Buffer.from(auth.signature, 'hex');
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { type: 'InvalidSignatureException', message: SIGNATURE_MISMATCH };
  return undefined;
}
