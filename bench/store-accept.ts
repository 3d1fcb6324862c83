// Micro-benchmark of acceptance through each Store adapter (not a test): N small one-recipient
// messages from C concurrent callers, each acceptance durable when it resolves. Shows that group
// commit works: with C callers, many acceptances share one commit. For PostgreSQL it also prints
// acceptances per transaction (distinct event txids) and a one-caller run for comparison.
//   npm run build && node dist/bench/store-accept.js [--messages 5000] [--concurrency 32]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openPostgresStore } from '../src/store/postgres/index.js';
import { openSqliteStore } from '../src/store/sqlite/index.js';
import type { NewMessage, Store } from '../src/store/store.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '32' },
    'database-url': { type: 'string', default: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
  },
});
const N = Number(values.messages);
const C = Number(values.concurrency);
const URL = values['database-url'];
const T0 = 1_700_000_000_000;

let seq = 0;
function smallMessage(): NewMessage {
  const id = `msg_bench_${process.pid}_${++seq}`;
  return {
    id,
    tenantId: 'ten_bench',
    messageIdHeader: `<${id}@bench.test>`,
    envelopeFrom: 'sender@example.com',
    headerFrom: 'sender@example.com',
    subject: 'Your receipt',
    raw: Buffer.from(`From: sender@example.com\r\nTo: r${seq}@x.test\r\nSubject: Your receipt\r\nMessage-ID: <${id}@bench.test>\r\n\r\n${'x'.repeat(400)}\r\n`),
    tags: ['receipt'],
    metadata: { order: String(seq) },
    createdAt: T0,
    sendAt: T0,
    recipients: [{ deliveryId: `${id}.0`, address: `r${seq}@x.test`, domain: 'x.test', smtputf8: false }],
  };
}

/** Accepts n messages from c callers; returns accepts per second. */
async function run(store: Store, n: number, c: number): Promise<number> {
  let left = n;
  const caller = async (): Promise<void> => {
    while (left > 0) {
      left -= 1;
      const out = await store.acceptMessages({ tenantId: 'ten_bench', messages: [smallMessage()], now: T0 });
      if (out.kind !== 'accepted') throw new Error(`unexpected ${out.kind}`);
    }
  };
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: c }, caller));
  return n / (Number(process.hrtime.bigint() - start) / 1e9);
}

async function prepare(store: Store): Promise<void> {
  await store.migrate();
  await store.createTenant({ id: 'ten_bench', name: 'bench', createdAt: T0 });
  await run(store, 200, C); // warm-up: connections, statement plans, file growth
}

const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');

async function benchSqlite(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'txmail-bench-'));
  const store = openSqliteStore(join(dir, 'bench.db'));
  try {
    await prepare(store);
    const rate = await run(store, N, C);
    console.log(`sqlite    ${fmt(rate)} accepts/s  (${N} messages, ${C} callers)`);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function benchPostgres(): Promise<void> {
  const schema = `txmail_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: URL });
  try {
    await admin.connect();
  } catch (e) {
    console.log(`postgres  skipped: ${URL} not reachable (${e instanceof Error ? e.message : String(e)})`);
    return;
  }
  const store = await openPostgresStore(URL, { schema });
  try {
    await prepare(store);
    const single = await run(store, Math.min(N, 500), 1);
    const before = await txCount(admin, schema);
    const rate = await run(store, N, C);
    const txs = (await txCount(admin, schema)) - before;
    console.log(`postgres  ${fmt(rate)} accepts/s  (${N} messages, ${C} callers; ${txs} transactions, ${(N / txs).toFixed(1)} acceptances per commit)`);
    console.log(`postgres  ${fmt(single)} accepts/s  (one caller: one commit per acceptance)`);
  } finally {
    await store.close();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  }
}

async function txCount(c: pg.Client, schema: string): Promise<number> {
  const r = await c.query<{ n: number }>(`SELECT count(DISTINCT txid)::int AS n FROM "${schema}".events`);
  return r.rows[0]?.n ?? 0;
}

await benchSqlite();
await benchPostgres();
