// Composition off the request thread. Small messages are composed inline (a thread hop costs
// more than they do); a message whose content reaches `offloadBytes` goes to one of a few
// worker threads, so a 25 MB message or a tracked copy per recipient does not block /healthz
// and every other request while it is encoded. A thread that dies is replaced; its jobs fail
// and the send is refused as retryable (TX_ERR_UNAVAILABLE), never half-accepted.
import { Worker } from 'node:worker_threads';
import { TxError } from '../domain/errors.js';
import { composeMime, type ComposeInput } from './mime.js';

export interface ComposePoolOptions {
  /** Threads; 0 composes everything inline. */
  readonly threads: number;
  /** Content size (text, html, attachments) from which a message goes to a thread. */
  readonly offloadBytes: number;
}

interface Pending {
  readonly resolve: (raw: Buffer) => void;
  readonly reject: (e: Error) => void;
}

interface Lane {
  worker: Worker;
  readonly pending: Map<number, Pending>;
}

type Reply = { readonly id: number; readonly raw: Uint8Array } | { readonly id: number; readonly error: string };

/** The bytes a composition will encode: what decides whether it is worth a thread. */
export function contentSize(input: ComposeInput): number {
  const c = input.content;
  return (c.text?.length ?? 0) + (c.html?.length ?? 0) + c.attachments.reduce((n, a) => n + a.content.length, 0);
}

export class ComposePool {
  private readonly lanes: Lane[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly opts: ComposePoolOptions) {}

  readonly compose = (input: ComposeInput): Promise<Buffer> => {
    if (this.opts.threads <= 0 || this.closed || contentSize(input) < this.opts.offloadBytes) return composeMime(input);
    const lane = this.lane();
    const id = this.nextId++;
    return new Promise<Buffer>((resolve, reject) => {
      lane.pending.set(id, { resolve, reject });
      lane.worker.postMessage({ id, input });
    });
  };

  /** Stops the threads; jobs still running fail. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.lanes.splice(0).map((l) => l.worker.terminate()));
  }

  /** The least busy lane, started on first use. */
  private lane(): Lane {
    if (this.lanes.length < this.opts.threads && this.lanes.every((l) => l.pending.size > 0)) this.lanes.push(this.start());
    return this.lanes.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
  }

  private start(): Lane {
    const lane: Lane = { worker: undefined as unknown as Worker, pending: new Map() };
    const spawn = (): void => {
      const worker = new Worker(new URL('./compose-worker.js', import.meta.url));
      // An idle compose thread must not keep the process alive.
      worker.unref();
      worker.on('message', (m: Reply) => {
        const p = lane.pending.get(m.id);
        if (!p) return;
        lane.pending.delete(m.id);
        if ('error' in m) p.reject(new TxError('TX_ERR_INTERNAL', `Composition failed: ${m.error}`));
        else p.resolve(Buffer.from(m.raw.buffer, m.raw.byteOffset, m.raw.byteLength));
      });
      worker.on('error', (e) => fail(e));
      worker.on('exit', (code) => {
        fail(new Error(`compose thread exited with code ${code}`));
        if (!this.closed) spawn();
      });
      lane.worker = worker;
    };
    const fail = (e: Error): void => {
      for (const p of lane.pending.values()) p.reject(new TxError('TX_ERR_UNAVAILABLE', `The message could not be composed; nothing was accepted (${e.message}).`));
      lane.pending.clear();
    };
    spawn();
    return lane;
  }
}
