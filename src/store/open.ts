// Chooses the Store adapter from the configuration: PostgreSQL for a postgres:// URL,
// the embedded SQLite file otherwise.
import { join, resolve } from 'node:path';
import type { Store } from './store.js';
import { openSqliteStore } from './sqlite/index.js';

export function sqlitePath(databaseUrl: string, dataDir: string): string {
  if (databaseUrl.startsWith('sqlite:')) return resolve(databaseUrl.slice('sqlite:'.length).replace(/^\/\//, ''));
  return resolve(join(dataDir, 'txmail.db'));
}

export interface OpenOptions {
  /** PostgreSQL connections in this process's (or thread's) pool. */
  readonly poolSize?: number;
}

export async function openStore(databaseUrl: string, dataDir: string, opts: OpenOptions = {}): Promise<Store> {
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    const { openPostgresStore } = await import('./postgres/index.js');
    return openPostgresStore(databaseUrl, opts.poolSize !== undefined ? { poolSize: opts.poolSize } : {});
  }
  if (databaseUrl !== '' && !databaseUrl.startsWith('sqlite:')) {
    throw new Error(`database_url must be empty, sqlite:<path> or postgres://...; got a URL of another scheme`);
  }
  return openSqliteStore(sqlitePath(databaseUrl, dataDir));
}
