// Group commit: many concurrent writes share one transaction, so one WAL flush (fsync) acknowledges
// them all. Used for acceptance, the hot write path.
//
// States: IDLE (nothing pending) → SCHEDULED (a write arrived; the batch starts on the next turn
// of the event loop so calls made in the same turn join it) → RUNNING (one batch is committing;
// new writes wait in `pending` and form the next batch the moment it commits) → IDLE.
// One batch at a time per process: the batch size then follows the load by itself (a slow
// commit gathers a bigger next batch), and processes on other hosts batch on their own.
//
// A batch is all-or-nothing in PostgreSQL, but each write must be on its own: when the batch
// fails before COMMIT, every write in it is run again alone, in arrival order, and only the
// writes that fail alone are rejected. A failing COMMIT is not retried: it may have committed.
import type { PoolClient } from 'pg';
import { CommitError, type PgDb } from './pool.js';

export interface GroupCommitOptions<Req, Res> {
  /** Writes the requests in the open transaction; one result per request, in order. */
  readonly write: (c: PoolClient, reqs: readonly Req[]) => Promise<Res[]>;
  /** Requests with the same key never share a batch (e.g. one idempotency key twice). */
  readonly key?: (r: Req) => string | undefined;
  /** Rough size in bytes, to bound a batch's statement parameters. */
  readonly weight?: (r: Req) => number;
  readonly maxBatch?: number;
  readonly maxWeight?: number;
}

interface Pending<Req, Res> {
  readonly req: Req;
  readonly resolve: (v: Res) => void;
  readonly reject: (e: unknown) => void;
}

export class GroupCommit<Req, Res> {
  private pending: Array<Pending<Req, Res>> = [];
  private state: 'idle' | 'scheduled' | 'running' = 'idle';
  private closed = false;
  private idleWaiters: Array<() => void> = [];
  private readonly maxBatch: number;
  private readonly maxWeight: number;

  constructor(
    private readonly db: PgDb,
    private readonly opts: GroupCommitOptions<Req, Res>,
  ) {
    this.maxBatch = opts.maxBatch ?? 256;
    this.maxWeight = opts.maxWeight ?? 8 * 1024 * 1024;
  }

  /** Resolves with the request's result once the transaction holding it has committed. */
  submit(req: Req): Promise<Res> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    return new Promise<Res>((resolve, reject) => {
      this.pending.push({ req, resolve, reject });
      if (this.state === 'idle') {
        this.state = 'scheduled';
        setImmediate(() => void this.drain());
      }
    });
  }

  /** Stops taking writes and waits until every accepted one has committed or failed. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.state !== 'idle') await new Promise<void>((r) => this.idleWaiters.push(r));
  }

  private async drain(): Promise<void> {
    this.state = 'running';
    while (this.pending.length > 0) {
      await this.commit(this.take());
      // Let the callers just resolved (and I/O callbacks) submit before the next batch forms.
      if (this.pending.length > 0) await new Promise<void>((r) => setImmediate(r));
    }
    this.state = 'idle';
    for (const w of this.idleWaiters.splice(0)) w();
  }

  /** The next batch: arrival order, bounded in count and weight, no key twice. */
  private take(): Array<Pending<Req, Res>> {
    const batch: Array<Pending<Req, Res>> = [];
    const rest: Array<Pending<Req, Res>> = [];
    const keys = new Set<string>();
    let weight = 0;
    for (const p of this.pending) {
      const w = this.opts.weight?.(p.req) ?? 0;
      const k = this.opts.key?.(p.req);
      const full = batch.length >= this.maxBatch || (batch.length > 0 && weight + w > this.maxWeight);
      if (full || (k !== undefined && keys.has(k))) {
        rest.push(p);
        continue;
      }
      batch.push(p);
      weight += w;
      if (k !== undefined) keys.add(k);
    }
    this.pending = rest;
    return batch;
  }

  private async commit(batch: ReadonlyArray<Pending<Req, Res>>): Promise<void> {
    try {
      const results = await this.run(batch.map((p) => p.req));
      batch.forEach((p, i) => p.resolve(results[i]!));
      return;
    } catch (e) {
      if (batch.length === 1 || e instanceof CommitError) {
        for (const p of batch) p.reject(e);
        return;
      }
    }
    // Sequential, in arrival order: of two clashing writes the first one wins, as in SQLite.
    for (const p of batch) {
      try {
        p.resolve((await this.run([p.req]))[0]!);
      } catch (e) {
        p.reject(e);
      }
    }
  }

  private async run(reqs: readonly Req[]): Promise<Res[]> {
    const results = await this.db.tx((c) => this.opts.write(c, reqs));
    if (results.length !== reqs.length) throw new Error(`group commit: ${results.length} results for ${reqs.length} writes`);
    return results;
  }
}
