// npm run bench: N messages over HTTP to a txmail started fresh, delivered to a local sink.
// Prints accepted msg/s, end-to-end delivered msg/s, accept latency p50/p99, peak RSS and
// CPU per message; the last line is one JSON object with the figures.
//   --store sqlite|postgres   postgres: a schema of its own in --database-url, dropped afterwards
//   --workers N               N > 0: one api process and N worker processes (PostgreSQL only)
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline';
import { PgBench } from './pg-stats.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '20000' },
    size: { type: 'string', default: '2048' },
    domains: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '32' },
    store: { type: 'string', default: 'sqlite' },
    workers: { type: 'string', default: '0' },
    'database-url': { type: 'string', default: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
    keep: { type: 'boolean', default: false },
    /** Writes a V8 CPU profile of the server into this directory. */
    profile: { type: 'string' },
  },
});
const N = Number(values.messages);
const SIZE = Number(values.size);
const DOMAINS = Number(values.domains);
const CONCURRENCY = Number(values.concurrency);
const MAIN = new URL('../src/main.js', import.meta.url).pathname;
const SINK = new URL('./sink.js', import.meta.url).pathname;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a !== 'string' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

function firstLine(child: ChildProcess, match: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${String(match)}`)), timeoutMs);
    rl.on('line', (line) => {
      const m = match.exec(line);
      if (m) {
        clearTimeout(t);
        resolve(m);
      }
    });
    child.once('exit', (code) => reject(new Error(`process exited with ${code} before ${String(match)}`)));
  });
}

function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime in clock ticks (100 Hz)
}

function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function sinkStats(sink: ChildProcess): Promise<{ messages: number; recipients: number; connections: number }> {
  const line = firstLine(sink, /^(\{"messages".*\})$/, 5000);
  sink.stdin!.write('stats\n');
  return JSON.parse((await line)[1]!) as { messages: number; recipients: number; connections: number };
}

function body(i: number): string {
  const filler = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. ';
  const text = filler.repeat(Math.ceil(SIZE / filler.length)).slice(0, SIZE);
  return JSON.stringify({
    from: 'Bench <bench@sender.test>',
    to: `user${i}@d${i % DOMAINS}.bench.test`,
    subject: `Benchmark message ${i}`,
    text,
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'txmail-bench-'));
  const workers = Number(values.workers);
  if (values.store !== 'sqlite' && values.store !== 'postgres') throw new Error('--store sqlite|postgres');
  if (workers > 0 && values.store !== 'postgres') throw new Error('--workers needs --store postgres: SQLite runs one process');
  const pgb = values.store === 'postgres' ? new PgBench(values['database-url']) : undefined;
  await pgb?.open();
  const sink = spawn(process.execPath, [SINK, '--port', '0'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const sinkPort = Number((await firstLine(sink, /"port":(\d+)/, 10_000))[1]);
  const httpPort = await freePort();
  const config = {
    data_dir: join(dir, 'data'),
    hostname: 'bench.txmail.test',
    http: { host: '127.0.0.1', port: httpPort },
    submission: { port: 0 },
    log: { level: 'warn' },
    delivery: { allow_private_targets: true, routes: [{ match: '*', host: '127.0.0.1', port: sinkPort, tls: 'none' }] },
    // sender.test is no tenant's domain: the development setting lets it send (unsigned, no VERP).
    domains: { allow_unverified_senders: true },
    bounce: { port: 0 },
    ...(pgb ? { database_url: pgb.url } : {}),
  };
  const cfgFile = join(dir, 'txmail.json');
  writeFileSync(cfgFile, JSON.stringify(config));
  const nodeArgs = values.profile ? ['--cpu-prof', `--cpu-prof-dir=${values.profile}`] : [];
  // --workers 0: one process with role all (its worker in a thread). Otherwise one api process,
  // started first (it migrates and prints the first start's key), and N worker processes.
  const serve = (role: string): ChildProcess =>
    spawn(process.execPath, [...nodeArgs, MAIN, 'serve', '--config', cfgFile, '--role', role], { stdio: ['ignore', 'pipe', 'inherit'] });
  const server = serve(workers > 0 ? 'api' : 'all');
  const key = (await firstLine(server, /^\s+(SG\.\S+)$/, 30_000))[1]!;
  const workerProcs = Array.from({ length: workers }, () => serve('worker'));
  // Worker processes log nothing at level warn; keep their stdout drained all the same.
  for (const w of workerProcs) w.stdout!.resume();
  const procs = [server, ...workerProcs];
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const post = (payload: string): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: httpPort, path: '/v1/messages', method: 'POST', agent, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  // Wait until the API answers and the first message went through (the workers are up).
  for (let i = 0; ; i++) {
    try {
      if ((await post(body(-1))) === 202) break;
    } catch {
      if (i > 200) throw new Error('txmail did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const warm = 1;
  for (let i = 0; (await sinkStats(sink)).messages < warm; i++) {
    if (i > 300) throw new Error('the warm-up message was not delivered');
    await new Promise((r) => setTimeout(r, 100));
  }
  await pgb?.begin();
  const cpu0 = procs.map((p) => cpuMs(p.pid!));
  const latencies: number[] = [];
  let next = 0;
  let failed = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < N) {
        const payload = body(next++);
        const s = performance.now();
        const status = await post(payload);
        latencies.push(performance.now() - s);
        if (status !== 202) failed++;
      }
    }),
  );
  const tAccepted = performance.now();
  let delivered = 0;
  const deadline = Date.now() + 600_000;
  while (Date.now() < deadline) {
    delivered = (await sinkStats(sink)).messages;
    if (delivered >= N + warm) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const tDelivered = performance.now();
  const cpuBy = procs.map((p, i) => cpuMs(p.pid!) - cpu0[i]!);
  const cpu = cpuBy.reduce((a, b) => a + b, 0);
  const rss = procs.map((p) => Math.round(peakRssMb(p.pid!)));
  const pgStats = await pgb?.end(N + warm);
  for (const p of procs) p.kill('SIGTERM');
  await Promise.all(procs.map((p) => new Promise((r) => (p.exitCode !== null ? r(null) : p.once('exit', r)))));
  sink.kill('SIGTERM');
  agent.destroy();
  await pgb?.close(values.keep);
  latencies.sort((a, b) => a - b);
  const pct = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  const result = {
    messages: N,
    accepted_per_s: Math.round(N / ((tAccepted - t0) / 1000)),
    delivered_per_s: Math.round(N / ((tDelivered - t0) / 1000)),
    accept_p50_ms: Number(pct(0.5).toFixed(2)),
    accept_p99_ms: Number(pct(0.99).toFixed(2)),
    peak_rss_mb: rss.reduce((a, b) => a + b, 0),
    cpu_ms_per_msg: Number((cpu / N).toFixed(3)),
    failed,
    delivered: delivered - warm,
    store: values.store,
    workers,
    ...(workers > 0 ? { peak_rss_mb_by_process: rss, cpu_ms_per_msg_by_process: cpuBy.map((c) => Number((c / N).toFixed(3))) } : {}),
    ...(pgStats ?? {}),
  };
  const roles = workers > 0 ? `1 api + ${workers} worker processes` : 'one process (role all)';
  console.log(`store: ${values.store}, ${roles}; ${N} messages of ${SIZE} B to ${DOMAINS} domains, ${CONCURRENCY} concurrent HTTP clients; durable acceptance (fsync before 202)`);
  console.log(`accepted:   ${result.accepted_per_s} msg/s (p50 ${result.accept_p50_ms} ms, p99 ${result.accept_p99_ms} ms, ${failed} failed)`);
  console.log(`delivered:  ${result.delivered_per_s} msg/s end to end (${result.delivered} at the sink)`);
  console.log(`txmail:     peak RSS ${result.peak_rss_mb} MB in all, CPU ${result.cpu_ms_per_msg} ms per message in all processes`);
  if (pgStats) {
    console.log(
      `postgres:   ${pgStats.accepts_per_commit} acceptances per commit, WAL ${pgStats.wal_bytes_per_msg} B/msg, ` +
        `stored ${JSON.stringify(pgStats.bytes_per_msg)} B/msg, rows ${JSON.stringify(pgStats.rows_per_msg)} per msg, ` +
        `server CPU ${pgStats.pg_cpu_ms_per_msg} ms/msg (every postgres process on this machine)`,
    );
  }
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
  console.log(JSON.stringify(result));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
