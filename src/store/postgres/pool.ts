// The connection pool of the PostgreSQL adapter, its transaction helper and the migrator.
//
// int8 columns (epoch ms, counts, event ids) come back as JS numbers through a per-pool type
// parser; the global pg.types registry is left alone so other pg users in the process keep
// their own parsing. Every value we store fits in 2^53, and a value that does not is an error
// rather than a silent rounding.
import pg from 'pg';
import type { CustomTypesConfig, PoolClient, QueryResultRow } from 'pg';
import { MIGRATIONS, type Migration } from './migrations/index.js';

export interface PostgresStoreOptions {
  /**
   * Schema holding txmail's tables (created by migrate() when missing); the connection's
   * search_path is set to it. Also accepted as `?schema=NAME` in the URL. Default: the
   * server's search_path (usually `public`).
   */
  readonly schema?: string;
  /** Connections in this process's pool. Default 8. */
  readonly poolSize?: number;
  /**
   * How long listEvents may wait for transactions that were still running when newer events
   * committed, before answering without those newer events (see read.ts). Default 500.
   */
  readonly feedWaitMs?: number;
}

// Lower case only: search_path folds an unquoted name to lower case, CREATE SCHEMA quotes it.
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const INT8_OID = 20;

function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value ${text} does not fit a JS number`);
  return n;
}

// The cast: pg-types declares getTypeParser as an overload set keyed by its TypeId enum, which
// a plain function over numeric oids cannot match; the runtime contract is just (oid, format).
const types: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format)) as CustomTypesConfig['getTypeParser'],
};

/** Splits `?schema=NAME` off the URL: pg would pass an unknown parameter on to the server. */
export function parseUrl(url: string, opts: PostgresStoreOptions): { connectionString: string; schema: string | undefined } {
  let schema = opts.schema;
  let connectionString = url;
  if (/[?&]schema=/.test(url)) {
    const u = new URL(url);
    schema ??= u.searchParams.get('schema') ?? undefined;
    u.searchParams.delete('schema');
    connectionString = u.toString();
  }
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) throw new Error(`invalid schema name ${JSON.stringify(schema)}: lower-case letters, digits and _ only`);
  return { connectionString, schema };
}

export class PgDb {
  readonly pool: pg.Pool;
  readonly schema: string | undefined;
  readonly feedWaitMs: number;

  constructor(url: string, opts: PostgresStoreOptions = {}) {
    const { connectionString, schema } = parseUrl(url, opts);
    this.schema = schema;
    this.feedWaitMs = opts.feedWaitMs ?? 500;
    this.pool = new pg.Pool({
      connectionString,
      max: opts.poolSize ?? 8,
      types,
      application_name: 'txmail',
      // search_path as a startup option: set before the first query, no extra round trip.
      ...(schema !== undefined ? { options: `-c search_path=${schema}` } : {}),
    });
    // An idle connection that dies (server restart, network) is dropped by the pool and replaced
    // on the next checkout; without a listener the 'error' event would crash the process.
    this.pool.on('error', () => undefined);
  }

  async query<R extends QueryResultRow>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    return (await this.pool.query<R>(sql, params as unknown[])).rows;
  }

  /** Runs fn in one transaction on one connection; commits when it resolves, rolls back when it throws. */
  async tx<T>(fn: (c: PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await c.query('BEGIN');
      let value: T;
      try {
        value = await fn(c);
      } catch (e) {
        await c.query('ROLLBACK').catch((re: unknown) => {
          broken = re instanceof Error ? re : new Error(String(re));
        });
        throw e;
      }
      try {
        await c.query('COMMIT');
      } catch (e) {
        broken = e instanceof Error ? e : new Error(String(e));
        throw new CommitError(e);
      }
      return value;
    } finally {
      // A connection whose ROLLBACK or COMMIT failed is in an unknown state: destroy it.
      c.release(broken);
    }
  }

  /**
   * Applies missing migrations in one transaction under a transaction-scoped advisory lock:
   * processes starting together queue on the lock, and each later one finds the work done.
   */
  async migrate(migrations: readonly Migration[] = MIGRATIONS): Promise<void> {
    await this.tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`txmail:migrate:${this.schema ?? ''}`]);
      if (this.schema !== undefined) await c.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
      await c.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
      const applied = new Set((await c.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
      // Version order, and any version not applied yet: a lower one merged later is applied too.
      for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
        if (applied.has(m.version)) continue;
        await c.query(m.sql);
        await c.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, Date.now()]);
      }
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** COMMIT itself failed: the transaction may or may not have committed, so it must not be retried blindly. */
export class CommitError extends Error {
  constructor(cause: unknown) {
    super(`commit failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'CommitError';
  }
}
