// The command line as a user meets it: help succeeds, usage errors exit 2, and the variables
// the README tells clients to export (TXMAIL_KEY, TXMAIL_URL) never stop a command, while a
// misspelt configuration variable still does, naming the key that was probably meant.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

const MAIN = new URL('../../src/main.js', import.meta.url).pathname;
let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'txmail-cli-basics-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // Only the variables given here (plus PATH) reach the child, so the test runner's own
  // environment cannot decide the outcome.
  const childEnv: Record<string, string> = { PATH: process.env['PATH'] ?? '', TXMAIL_DATA_DIR: join(dir, 'data'), ...env };
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test('--help, -h and help print the usage on stdout and exit 0', async () => {
  for (const args of [['--help'], ['-h'], ['help'], ['keys', '--help']]) {
    const r = await run(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stdout, /usage:\n {2}txmail serve/, args.join(' '));
  }
});

test('an unknown command, no command or an unknown option exit 2 with the usage on stderr', async () => {
  for (const args of [['frobnicate'], [], ['config', 'check', '--frob']]) {
    const r = await run(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, /usage:/, args.join(' '));
    assert.equal(r.stdout, '', args.join(' '));
  }
  assert.match((await run(['config', 'check', '--frob'])).stderr, /--frob/);
});

test('TXMAIL_KEY and TXMAIL_URL exported for clients do not stop commands', async () => {
  const env = { TXMAIL_KEY: 'SG.aaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', TXMAIL_URL: 'http://127.0.0.1:7080' };
  const check = await run(['config', 'check'], env);
  assert.equal(check.code, 0, check.stderr);
  assert.match(check.stdout, /configuration ok/);
  const migrate = await run(['migrate'], env);
  assert.equal(migrate.code, 0, migrate.stderr);
});

test('a misspelt configuration variable still stops the start, naming the nearest key', async () => {
  const r = await run(['config', 'check'], { TXMAIL_KEY: 'x', TXMAIL_HTTP_PROT: '8080' });
  assert.equal(r.code, 78);
  assert.match(r.stderr, /TXMAIL_HTTP_PROT: unknown environment variable \(did you mean TXMAIL_HTTP_PORT\?/);
});
