// A compose thread of the ComposePool: composes MIME for the API thread, so that encoding a
// large message (base64, quoted-printable: tens of milliseconds per megabyte) never stalls the
// event loop that answers requests. One job at a time, in order.
import { parentPort } from 'node:worker_threads';
import type { Content } from '../domain/message/types.js';
import { composeMime, type ComposeInput } from './mime.js';

interface Job {
  readonly id: number;
  readonly input: ComposeInput;
}

/** Structured clone turns Buffers into Uint8Arrays; the composer wants Buffers back. */
function revive(input: ComposeInput): ComposeInput {
  const c = input.content;
  const attachments = c.attachments.map((a) => ({ ...a, content: Buffer.from(a.content.buffer, a.content.byteOffset, a.content.byteLength) }));
  return { ...input, content: { ...c, attachments } as Extract<Content, { kind: 'parts' }> };
}

parentPort?.on('message', (job: Job) => {
  composeMime(revive(job.input)).then(
    (raw) => {
      // Transfer, not copy; a Buffer from Node's small-buffer pool shares its memory, so copy that.
      const own = raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength ? raw : Buffer.from(raw);
      parentPort!.postMessage({ id: job.id, raw: own }, [own.buffer as ArrayBuffer]);
    },
    (e: unknown) => parentPort!.postMessage({ id: job.id, error: String((e as Error).message ?? e) }),
  );
});
