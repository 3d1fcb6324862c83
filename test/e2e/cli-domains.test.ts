// `txmail domains` from the command line: add prints the records, verify checks them through the
// configured resolver (the test DNS server) and exits 0 only when every required one is ok.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startDnsServer, type DnsServer, type Zone, type ZoneEntry } from '../support/dns-server.js';

const MAIN = new URL('../../src/main.js', import.meta.url).pathname;
let dns: DnsServer;
let dir: string;
let config: string;

before(async () => {
  dns = await startDnsServer({});
  dir = mkdtempSync(join(tmpdir(), 'txmail-cli-'));
  config = join(dir, 'txmail.json');
  writeFileSync(config, JSON.stringify({ data_dir: join(dir, 'data'), hostname: 'mx.txmail.test', public_url: 'https://links.txmail.test', dns: { servers: [dns.address], timeout_ms: 500, tries: 1 } }));
});
after(async () => {
  await dns.close();
  rmSync(dir, { recursive: true, force: true });
});

function run(...args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...args, '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

/** The zone publishing every record line (`TYPE name value`) the CLI printed. */
function zoneFrom(out: string): Zone {
  const z: Record<string, ZoneEntry> = {};
  for (const m of out.matchAll(/^[ ?] (TXT|MX|CNAME)\s+(\S+)\s{2}(.+?)(?:\s{2}\[.*)?$/gm)) {
    const [, type, name, value] = m as unknown as [string, string, string, string];
    const e = z[name] ?? {};
    if (type === 'TXT') z[name] = { ...e, TXT: [...(e.TXT ?? []), [value]] };
    if (type === 'MX') z[name] = { ...e, MX: [{ exchange: value.split(' ')[1]!, priority: Number(value.split(' ')[0]) }] };
    if (type === 'CNAME') z[name] = { ...e, CNAME: value };
  }
  return z;
}

test('domains add prints the records; verify fails until they are published, then passes', async () => {
  const add = await run('domains', 'add', 'cli.test', '--ed25519');
  assert.equal(add.code, 0, add.out);
  assert.match(add.out, /TXT\s+tx\d{8}-\w{4}\._domainkey\.cli\.test\s+v=DKIM1; k=rsa; p=/);
  assert.match(add.out, /TXT\s+tx\d{8}-\w{4}-ed\._domainkey\.cli\.test\s+v=DKIM1; k=ed25519; p=/);
  assert.match(add.out, /MX\s+bounce\.cli\.test\s+10 mx\.txmail\.test/);
  const missing = await run('domains', 'verify', 'cli.test');
  assert.equal(missing.code, 1);
  assert.match(missing.out, /\[missing/);
  dns.setZone(zoneFrom(add.out));
  const ok = await run('domains', 'verify', 'cli.test');
  assert.equal(ok.code, 0, ok.out);
  assert.match(ok.out, /verified: yes/);
  assert.doesNotMatch(ok.out, /PRIVATE KEY/);
  assert.equal((await run('domains', 'add', 'cli.test')).code, 1, 'added twice');
});
