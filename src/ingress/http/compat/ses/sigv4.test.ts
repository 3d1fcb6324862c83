// Signatures from AWS's published test suite (get-vanilla) and from the AWS SDK's own signer
// (@smithy/signature-v4, recorded), checked by our verifier; then every way to get it wrong.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAuthorization, verify, type Authorization, type SignedRequest } from './sigv4.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const AMZ_DATE = '20150830T123600Z';
const NOW = Date.UTC(2015, 7, 30, 12, 36, 0);
const EMPTY_SHA = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

function request(method: string, url: string, signed: string, signature: string, body = '', extra: Record<string, string> = {}): { req: SignedRequest; auth: Authorization } {
  const headers = { host: 'example.amazonaws.com', 'x-amz-date': AMZ_DATE, ...extra };
  const authorization = `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=${signed}, Signature=${signature}`;
  const auth = parseAuthorization(authorization);
  assert.ok(!('type' in auth), JSON.stringify(auth));
  return { req: { method, url, headers: { ...headers, authorization }, body: Buffer.from(body) }, auth };
}

test('AWS test suite: get-vanilla', () => {
  const { req, auth } = request('GET', '/', 'host;x-amz-date', '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31');
  assert.equal(verify(req, auth, SECRET, 'service', NOW), undefined);
});

test('signatures made by the AWS SDK signer verify: body hash header, encoded path, sorted query', () => {
  const cases: Array<[string, string, string, string]> = [
    ['GET', '/', '', '726c5c4879a6b4ccbbd3b24edbd6b8826d34f87450fbbf4e85546fc7ba9c1642'],
    ['POST', '/', '', '3ad5e249949a59b862eedd9f1bf1ece4693c3042bf860ef5e3351b8925316f98'],
    ['GET', '/a%20b/%C3%BC?Param1=value%201&Param2=value2', '', '14289cede1896e094530a66a684ee62fb598f72cc76f1273796e4fac4b41864c'],
    ['POST', '/v2/email/outbound-emails', '{"a":1}', '9210d3de102be9c705ece9dae6b9d77a7848005e53fe08931410e9d7e17c70f7'],
  ];
  for (const [method, url, body, sig] of cases) {
    const sha = body === '' ? EMPTY_SHA : '015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862';
    const { req, auth } = request(method, url, 'host;x-amz-content-sha256;x-amz-date', sig, body, { 'x-amz-content-sha256': sha });
    assert.equal(verify(req, auth, SECRET, 'service', NOW), undefined, `${method} ${url}`);
  }
});

test('a wrong secret, a changed body, path, query or signed header, or a stale date is refused', () => {
  const sig = '9210d3de102be9c705ece9dae6b9d77a7848005e53fe08931410e9d7e17c70f7';
  const sha = '015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862';
  const signed = 'host;x-amz-content-sha256;x-amz-date';
  const typeOf = (r: ReturnType<typeof request>, secret = SECRET, now = NOW): string | undefined => verify(r.req, r.auth, secret, 'service', now)?.type;
  assert.equal(typeOf(request('POST', '/v2/email/outbound-emails', signed, sig, '{"a":1}', { 'x-amz-content-sha256': sha })), undefined);
  assert.equal(typeOf(request('POST', '/v2/email/outbound-emails', signed, sig, '{"a":1}', { 'x-amz-content-sha256': sha }), 'wrong'), 'InvalidSignatureException');
  assert.equal(typeOf(request('POST', '/v2/email/outbound-emails', signed, sig, '{"a":2}', { 'x-amz-content-sha256': sha })), 'InvalidSignatureException', 'body swapped, hash header kept');
  const otherSha = '3b8b32ad1e797f06d830745e892419ef17b7d7a2a1c6a7c9d0e0df0e6c8c7e5a';
  assert.equal(typeOf(request('POST', '/v2/email/outbound-emails', signed, sig, '{"a":2}', { 'x-amz-content-sha256': otherSha })), 'InvalidSignatureException');
  assert.equal(typeOf(request('POST', '/v2/email/outbound-emails?x=1', signed, sig, '{"a":1}', { 'x-amz-content-sha256': sha })), 'InvalidSignatureException');
  assert.equal(typeOf(request('POST', '/v2/email/other', signed, sig, '{"a":1}', { 'x-amz-content-sha256': sha })), 'InvalidSignatureException');
  const r = request('POST', '/v2/email/outbound-emails', signed, sig, '{"a":1}', { 'x-amz-content-sha256': sha });
  assert.equal(typeOf({ ...r, req: { ...r.req, headers: { ...r.req.headers, host: 'evil.example' } } }), 'InvalidSignatureException');
  assert.equal(typeOf(r, SECRET, NOW + 16 * 60_000), 'InvalidSignatureException', 'outside the 15-minute skew');
  assert.equal(typeOf(r, SECRET, NOW + 14 * 60_000), undefined);
  assert.match(verify(r.req, r.auth, SECRET, 'ses', NOW)?.message ?? '', /scoped to correct service/);
  const unsignedDate = request('GET', '/', 'host', '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31');
  assert.equal(typeOf(unsignedDate), 'IncompleteSignatureException');
});

test('malformed or missing Authorization headers', () => {
  assert.equal((parseAuthorization(undefined) as { type: string }).type, 'MissingAuthenticationTokenException');
  assert.equal((parseAuthorization('Bearer x') as { type: string }).type, 'IncompleteSignatureException');
  assert.equal((parseAuthorization('AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/ses/aws4_request, SignedHeaders=host, Signature=zz') as { type: string }).type, 'IncompleteSignatureException');
});
