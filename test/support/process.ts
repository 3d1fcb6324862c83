// txmail as a child process (`node dist/src/main.js serve`), for tests that kill it.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const MAIN = new URL('../../src/main.js', import.meta.url).pathname;

export interface TxmailProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** The admin key printed on the first start of this data dir (undefined on later starts). */
  readonly adminKey: string | undefined;
  readonly exited: Promise<number | null>;
  /** What the process wrote to stderr so far. */
  readonly stderr: string;
  /** Its log lines (JSON, on stdout) so far. */
  readonly logs: readonly string[];
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/**
 * Starts txmail with `config` (written as JSON into `dir`) and waits until /readyz answers 200;
 * with `wait: false` (a worker-only process serves no HTTP) it returns once the process runs.
 */
export async function spawnTxmail(dir: string, config: Record<string, unknown>, env: Record<string, string> = {}, opts: { wait?: boolean } = {}): Promise<TxmailProcess> {
  const port = ((config.http as { port?: number } | undefined)?.port as number | undefined) ?? (await freePort());
  const file = join(dir, 'txmail.json');
  // As in the in-process harness: senders need no added domain, and the bounce and submission
  // listeners take free ports unless the test chose them.
  const bounce = { port: 0, ...(config.bounce as object | undefined) };
  const domains = { allow_unverified_senders: true, ...(config.domains as object | undefined) };
  const submission = { port: 0, ...(config.submission as object | undefined) };
  writeFileSync(file, JSON.stringify({ ...config, bounce, domains, submission, http: { host: '127.0.0.1', port } }));
  const child = spawn(process.execPath, [MAIN, 'serve', '--config', file], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let adminKey: string | undefined;
  const stderr: string[] = [];
  child.stderr!.on('data', (c: Buffer) => stderr.push(c.toString()));
  const logs: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const m = /^\s+(SG\.\S+)$/.exec(line);
    if (m) adminKey = m[1];
    else if (line.startsWith('{')) logs.push(line);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (opts.wait === false) break;
    if (child.exitCode !== null) throw new Error(`txmail exited with ${child.exitCode}: ${stderr.join('')}`);
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`txmail did not become ready: ${stderr.join('')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    url,
    get adminKey() {
      return adminKey;
    },
    exited,
    get stderr() {
      return stderr.join('');
    },
    logs,
    async kill(signal) {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
