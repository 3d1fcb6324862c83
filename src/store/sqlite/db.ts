// The SQLite connection and its group-commit writer.
//
// better-sqlite3 is synchronous, so every write is queued and the queue is drained in one
// transaction per event-loop turn: concurrent requests share one fsync (group commit).
// Each queued write runs in its own savepoint, so one failing write never undoes another.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS, type Migration } from './migrations/index.js';

type Db = Database.Database;
type Statement = Database.Statement;

interface PendingWrite {
  readonly fn: () => unknown;
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: unknown) => void;
}

export class SqliteDb {
  readonly db: Db;
  private readonly statements = new Map<string, Statement>();
  private pending: PendingWrite[] = [];
  private flushScheduled = false;
  private closed = false;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // FULL: the WAL is fsync'd at every commit, so an acknowledged message survives power loss.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 10000');
    this.db.pragma('temp_store = MEMORY');
    this.db.pragma('cache_size = -65536');
  }

  /** A cached prepared statement. */
  stmt(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /** Runs `fn` inside the next group commit; resolves once that commit is durable. */
  write<T>(fn: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Runs a read synchronously; reads see every committed write (one connection). */
  read<T>(fn: () => T): Promise<T> {
    try {
      return Promise.resolve(fn());
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    const results: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      this.db.exec('BEGIN IMMEDIATE');
      for (const w of batch) {
        this.db.exec('SAVEPOINT w');
        try {
          const value = w.fn();
          this.db.exec('RELEASE w');
          results.push({ ok: true, value });
        } catch (error) {
          this.db.exec('ROLLBACK TO w');
          this.db.exec('RELEASE w');
          results.push({ ok: false, error });
        }
      }
      this.db.exec('COMMIT');
    } catch (error) {
      // The commit itself failed (disk full, I/O error): nothing in this batch is durable.
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      for (const w of batch) w.reject(error);
      return;
    }
    batch.forEach((w, i) => {
      const r = results[i]!;
      if (r.ok) w.resolve(r.value);
      else w.reject(r.error);
    });
  }

  /** Applies every migration not applied yet, in version order (a lower version added later too). */
  migrate(migrations: readonly Migration[] = MIGRATIONS): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
    const applied = new Set((this.db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map((r) => r.version));
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(m.version)) continue;
      this.db.transaction(() => {
        this.db.exec(m.sql);
        this.db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
      })();
    }
  }

  async close(): Promise<void> {
    // Let queued writes commit before the handle goes.
    if (this.pending.length > 0) await new Promise<void>((r) => setImmediate(r));
    if (this.pending.length > 0) this.flush();
    this.closed = true;
    this.db.close();
  }
}
