import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLIENT_ENV, ConfigError, KEYS, loadConfig } from './load.js';

const dir = mkdtempSync(join(tmpdir(), 'txmail-config-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return [...e.problems];
    throw e;
  }
  assert.fail('expected a ConfigError');
}

test('defaults apply when nothing is given', () => {
  const c = loadConfig({ env: {} });
  assert.equal(c.http.port, 7080);
  assert.equal(c.delivery.max_connections_per_destination, 10);
  assert.equal(c.delivery.retry.max_lifetime_s, 432000);
});

test('a YAML file sets nested keys and the environment wins over it', () => {
  const f = file('a.yaml', 'http:\n  port: 9000\ndelivery:\n  retry:\n    first_delay_s: 30\n');
  const c = loadConfig({ file: f, env: { TXMAIL_HTTP_PORT: '9100', TXMAIL_DELIVERY_ALLOW_PRIVATE_TARGETS: 'true' } });
  assert.equal(c.http.port, 9100);
  assert.equal(c.delivery.retry.first_delay_s, 30);
  assert.equal(c.delivery.allow_private_targets, true);
});

test('JSON files and JSON-valued environment variables for routes', () => {
  const f = file('a.json', JSON.stringify({ delivery: { routes: [{ match: '*.test', host: 'relay', port: 2525, tls: 'none' }] } }));
  assert.deepEqual(loadConfig({ file: f, env: {} }).delivery.routes, [{ match: '*.test', host: 'relay', port: 2525, tls: 'none' }]);
  const c = loadConfig({ env: { TXMAIL_DELIVERY_ROUTES: '[{"match":"x.test","host":"h"}]' } });
  assert.deepEqual(c.delivery.routes, [{ match: 'x.test', host: 'h', port: 25, tls: 'opportunistic' }]);
});

test('DATABASE_URL is read as database_url', () => {
  assert.equal(loadConfig({ env: { DATABASE_URL: 'postgres://x/y' } }).database_url, 'postgres://x/y');
});

test('an unknown key in a file names the key and what is allowed there', () => {
  const p = problems(() => loadConfig({ file: file('b.yaml', 'http:\n  prot: 1\n'), env: {} }));
  assert.equal(p.length, 1);
  assert.match(p[0]!, /http\.prot: unknown key \(allowed here: host, port\)/);
});

test('an unknown TXMAIL_ variable stops the start and names the nearest real one', () => {
  assert.match(problems(() => loadConfig({ env: { TXMAIL_HTTP_PROT: '1' } }))[0]!, /TXMAIL_HTTP_PROT: unknown environment variable \(did you mean TXMAIL_HTTP_PORT\?/);
  assert.match(problems(() => loadConfig({ env: { TXMAIL_DATABSE_URL: 'x' } }))[0]!, /did you mean TXMAIL_DATABASE_URL\?/);
  assert.match(problems(() => loadConfig({ env: { TXMAIL_LOG_LEVLE: 'x' } }))[0]!, /did you mean TXMAIL_LOG_LEVEL\?/);
  // Nothing near: named, no guess.
  const far = problems(() => loadConfig({ env: { TXMAIL_COMPLETELY_DIFFERENT_THING: '1' } }))[0]!;
  assert.match(far, /TXMAIL_COMPLETELY_DIFFERENT_THING: unknown environment variable/);
  assert.doesNotMatch(far, /did you mean/);
});

test('the variables documented for clients (TXMAIL_KEY, TXMAIL_URL) never stop the start', () => {
  const c = loadConfig({ env: { TXMAIL_KEY: 'SG.x.y', TXMAIL_URL: 'http://127.0.0.1:7080', TXMAIL_HTTP_PORT: '9001' } });
  assert.equal(c.http.port, 9001);
  // A misspelling beside them is still refused.
  assert.match(problems(() => loadConfig({ env: { TXMAIL_KEY: 'k', TXMAIL_HTTP_PROT: '1' } }))[0]!, /TXMAIL_HTTP_PROT/);
});

test('no configuration key takes a name reserved for clients', () => {
  for (const k of KEYS) assert.ok(!CLIENT_ENV.includes(k.env), k.env);
});

test('a wrong value names the key, the value and the allowed values; all problems are reported', () => {
  const p = problems(() => loadConfig({ env: { TXMAIL_HTTP_PORT: 'eighty', TXMAIL_ROLE: 'boss', TXMAIL_DELIVERY_TLS: 'always' } }));
  assert.equal(p.length, 3);
  assert.ok(p.some((x) => /TXMAIL_HTTP_PORT: "eighty" is not allowed; expected an integer >= 0 and <= 65535/.test(x)));
  assert.ok(p.some((x) => /TXMAIL_ROLE: "boss" is not allowed; expected one of all, api, worker/.test(x)));
});

test('a bad route names the item and the field', () => {
  const p = problems(() => loadConfig({ env: {}, overrides: { 'delivery.routes': [{ match: 'x.test', host: 'h', tls: 'maybe' }] } }));
  assert.match(p[0]!, /item 0: tls must be one of none, opportunistic, required, implicit/);
});

test('a file that is not valid YAML is reported as such', () => {
  assert.match(problems(() => loadConfig({ file: file('c.yaml', 'http: [\n'), env: {} }))[0]!, /not valid YAML/);
});
