import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateSelfSigned } from '../lib/self-signed.js';
import { ConfigError, loadConfig } from './load.js';
import { parseRoutes } from './routes.js';

const dir = mkdtempSync(join(tmpdir(), 'txmail-routes-'));
const caFile = join(dir, 'ca.pem');
writeFileSync(caFile, generateSelfSigned('ca.test').cert);
const notPem = join(dir, 'key.txt');
writeFileSync(notPem, 'not a certificate\n');

const base = { match: 'x.test', host: 'relay.x.test', port: 587 };

test('tls_name and tls_ca_file are read into the route; the CA file at parse time', () => {
  const r = parseRoutes([{ ...base, tls: 'required', tls_name: 'Smarthost.Example.', tls_ca_file: caFile, auth: { user: 'u', pass: 'p' } }]);
  assert.ok(Array.isArray(r));
  assert.equal(r[0]!.tlsName, 'smarthost.example');
  assert.equal(r[0]!.tlsCa?.file, caFile);
  assert.match(r[0]!.tlsCa?.pem ?? '', /BEGIN CERTIFICATE/);
  assert.deepEqual(parseRoutes([{ ...base, tls: 'implicit', tls_name: '192.0.2.1' }]), [{ ...base, tls: 'implicit', tlsName: '192.0.2.1' }]);
});

test('credentials need a verified TLS mode: Postfix "secure" for a SASL relay, as a config error', () => {
  for (const tls of ['none', 'opportunistic', undefined]) {
    const r = parseRoutes([{ ...base, ...(tls ? { tls } : {}), auth: { user: 'u', pass: 'p' } }]);
    assert.equal(typeof r, 'string');
    assert.match(r as string, new RegExp(`item 0: auth needs tls: required or implicit .*not tls: ${tls ?? 'opportunistic'}`));
  }
});

test('tls_name and tls_ca_file only go with required or implicit, and must be well formed', () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ tls: 'opportunistic', tls_name: 'a.test' }, /tls_name only applies with tls: required or implicit/],
    [{ tls: 'none', tls_ca_file: caFile }, /tls_ca_file only applies with tls: required or implicit/],
    [{ tls: 'required', tls_name: 'not a name' }, /tls_name must be a host name or IP address/],
    [{ tls: 'required', tls_ca_file: '' }, /tls_ca_file must be the path of a PEM file/],
    [{ tls: 'required', tls_ca_file: notPem }, /tls_ca_file .*key\.txt: holds no PEM certificate/],
    [{ tls: 'required', tls_verify: false }, /unknown field "tls_verify"/],
  ];
  for (const [extra, why] of cases) assert.match(parseRoutes([{ ...base, ...extra }]) as string, why);
});

test('a CA file that cannot be read stops the start, naming the key and the path', () => {
  const missing = join(dir, 'missing.pem');
  try {
    loadConfig({ env: {}, overrides: { 'delivery.routes': [{ ...base, tls: 'required', tls_ca_file: missing }] } });
    assert.fail('expected a ConfigError');
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    assert.match(e.problems[0]!, /^delivery\.routes: .*item 0: tls_ca_file .*missing\.pem: cannot be read \(ENOENT\)/);
  }
});
