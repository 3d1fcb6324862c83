// PostgreSQL for end-to-end tests: the same rules as the adapter's test file. Each test gets a
// schema of its own (dropped afterwards) in the database at TEST_DATABASE_URL; an unreachable
// server skips the tests with the reason printed, unless REQUIRE_POSTGRES=1 makes it a failure.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import pg from 'pg';

export const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function unreachable(): Promise<string | undefined> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return undefined;
  } catch (e) {
    return `PostgreSQL at ${PG_URL} is not reachable: ${e instanceof Error ? e.message : String(e)}`;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/**
 * Undefined when PostgreSQL is there; otherwise registers the skip (or, with REQUIRE_POSTGRES=1,
 * a failing test) under `what` and returns the reason, so the caller registers nothing else.
 */
export async function postgresOrSkip(what: string): Promise<string | undefined> {
  const reason = await unreachable();
  if (reason === undefined) return undefined;
  if (process.env.REQUIRE_POSTGRES === '1') {
    test(`${what}: PostgreSQL is required (REQUIRE_POSTGRES=1)`, () => assert.fail(reason));
  } else {
    console.log(`# skipping ${what}: ${reason}`);
    test(what, { skip: reason }, () => undefined);
  }
  return reason;
}

export interface TestSchema {
  readonly name: string;
  /** The database URL selecting the schema (`?schema=`), as txmail's database_url. */
  readonly url: string;
  query<R extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<R[]>;
  drop(): Promise<void>;
}

/** A fresh schema name (created by txmail's migrate) and a client to look into it. */
export async function testSchema(prefix = 'txmail_e2e'): Promise<TestSchema> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${name}` });
  await client.connect();
  return {
    name,
    url: `${PG_URL}?schema=${name}`,
    query: async (sql, params = []) => (await client.query(sql, params)).rows,
    async drop() {
      await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
      await client.end();
    },
  };
}
