// Writes a MIME tree compiled by nodemailer's composer without streams.
//
// MimeNode.build() streams every node through a pipeline of transforms; on Node 20 each
// pipeline costs an AbortController and a DOMException, which made composition the most
// expensive step of an acceptance (~0.2 ms of CPU for a 2 KB message). This walks the same
// compiled tree — nodemailer's headers, boundaries and chosen transfer encodings — and runs
// nodemailer's own base64/quoted-printable encoder transforms by hand: build() hands each
// body to its encoder as one chunk and then flushes it, and so does this, synchronously.
// serialize.test.ts checks the bytes equal build()'s for many message shapes. Content this
// does not cover (streams, files, URLs, raw nodes) returns undefined; the caller then uses build().
import { Encoder as Base64Encoder } from 'nodemailer/lib/base64';
import type MimeNode from 'nodemailer/lib/mime-node';
import { Encoder as QpEncoder } from 'nodemailer/lib/qp';

type TransformHooks = {
  _transform(chunk: Buffer, encoding: string, done: () => void): void;
  _flush(done: () => void): void;
  push(chunk: unknown): boolean;
};

/** Runs an encoder transform over one chunk, as build()'s pipeline would, without the stream. */
function encodeWith(encoder: Base64Encoder | QpEncoder, bytes: Buffer, out: Array<string | Buffer>): void {
  const t = encoder as unknown as TransformHooks;
  t.push = (chunk: unknown) => {
    if (typeof chunk === 'string') out.push(Buffer.from(chunk, 'latin1'));
    else if (Buffer.isBuffer(chunk)) out.push(chunk);
    return true;
  };
  const noop = (): void => undefined;
  t._transform(bytes, 'buffer', noop);
  t._flush(noop);
}

type NodeInternals = MimeNode & { _raw?: unknown; _transforms?: unknown[]; _processFuncs?: unknown[] };

function write(node: NodeInternals, out: Array<string | Buffer>): boolean {
  if (node._raw || (node._transforms?.length ?? 0) > 0 || (node._processFuncs?.length ?? 0) > 0) return false;
  out.push(node.buildHeaders() + '\r\n\r\n');
  const content = node.content;
  if (content !== undefined && content !== null && content !== '') {
    if (typeof content !== 'string' && !Buffer.isBuffer(content)) return false;
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    const encoding = node.getTransferEncoding();
    if (encoding === 'base64') encodeWith(new Base64Encoder(), bytes, out);
    // Outside text/* a lone CR or LF is data, as in MimeNode.stream().
    else if (encoding === 'quoted-printable') encodeWith(new QpEncoder({ binary: !/^text\//i.test(node.contentType ?? '') }), bytes, out);
    else out.push(bytes);
  }
  if (node.multipart) {
    for (const [i, child] of node.childNodes.entries()) {
      out.push(`${i > 0 ? '\r\n' : ''}--${String(node.boundary)}\r\n`);
      if (!write(child as NodeInternals, out)) return false;
    }
    out.push(`\r\n--${String(node.boundary)}--\r\n`);
  }
  return true;
}

/** The message bytes, or undefined when the tree needs nodemailer's streaming build. */
export function serializeMime(root: MimeNode): Buffer | undefined {
  const out: Array<string | Buffer> = [];
  if (!write(root as NodeInternals, out)) return undefined;
  const buf = Buffer.concat(out.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)));
  // As nodemailer's LastNewline stage: the message ends with a line break.
  const last = buf.length > 0 ? buf[buf.length - 1] : undefined;
  if (last === 0x0a) return buf;
  return Buffer.concat([buf, Buffer.from(last === 0x0d ? '\n' : '\r\n')]);
}
