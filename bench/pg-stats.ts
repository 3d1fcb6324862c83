// PostgreSQL figures for the benchmark: a schema of its own per run, and what the run cost the
// database: WAL bytes, table bytes and rows per message, acceptances per commit, and the CPU of
// the PostgreSQL server processes on this machine (all of them: other users of the server count too).
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';

export interface PgRunStats {
  readonly wal_bytes_per_msg: number;
  /** Table + indexes + TOAST, per message, for messages, deliveries and events. */
  readonly bytes_per_msg: Readonly<Record<string, number>>;
  readonly rows_per_msg: Readonly<Record<string, number>>;
  readonly accepts_per_commit: number;
  readonly pg_cpu_ms_per_msg: number;
}

const TABLES = ['messages', 'deliveries', 'events'] as const;

/** CPU (user + system) of every process named postgres, in ms. */
export function postgresCpuMs(): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // The process ended meanwhile.
    }
  }
  return (ticks * 1000) / 100;
}

export class PgBench {
  readonly schema = `txmail_bench_${randomBytes(5).toString('hex')}`;
  private readonly client: pg.Client;
  private wal0 = '0/0';
  private cpu0 = 0;

  constructor(private readonly baseUrl: string) {
    this.client = new pg.Client({ connectionString: baseUrl });
  }

  get url(): string {
    return `${this.baseUrl}${this.baseUrl.includes('?') ? '&' : '?'}schema=${this.schema}`;
  }

  async open(): Promise<void> {
    await this.client.connect();
  }

  /** Marks the start of the measured run. */
  async begin(): Promise<void> {
    this.wal0 = (await this.client.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]!.lsn;
    this.cpu0 = postgresCpuMs();
  }

  async end(messages: number): Promise<PgRunStats> {
    const cpu = postgresCpuMs() - this.cpu0;
    const q = async <R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R> => (await this.client.query<R>(sql, params)).rows[0]!;
    const wal = await q<{ b: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::bigint::text AS b', [this.wal0]);
    const per = (n: number): number => Number((n / messages).toFixed(2));
    const bytes: Record<string, number> = {};
    const rows: Record<string, number> = {};
    for (const t of TABLES) {
      const r = await q<{ size: string; n: string }>(`SELECT pg_total_relation_size('"${this.schema}".${t}')::text AS size, (SELECT count(*) FROM "${this.schema}".${t})::text AS n`);
      bytes[t] = Math.round(Number(r.size) / messages);
      rows[t] = per(Number(r.n));
    }
    const gc = await q<{ m: string; t: string }>(`SELECT count(*)::text AS m, count(DISTINCT txid)::text AS t FROM "${this.schema}".events WHERE type = 'queued'`);
    return {
      wal_bytes_per_msg: Math.round(Number(wal.b) / messages),
      bytes_per_msg: bytes,
      rows_per_msg: rows,
      accepts_per_commit: Number((Number(gc.m) / Math.max(1, Number(gc.t))).toFixed(1)),
      pg_cpu_ms_per_msg: Number((cpu / messages).toFixed(3)),
    };
  }

  async close(keep: boolean): Promise<void> {
    if (!keep) await this.client.query(`DROP SCHEMA IF EXISTS "${this.schema}" CASCADE`);
    await this.client.end();
  }
}
