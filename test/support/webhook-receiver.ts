// A webhook receiver on loopback for tests: records every POST (raw body, headers, time) and
// answers as its script says, per path: a status, a delay, or 'hold' (no answer until
// release(path) — a receiver that stalls). verifyNative is the README's verification snippet,
// written out independently of src/, so the test also checks what the README tells people.
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';

export type ReceiverAction = number | { readonly status: number; readonly delayMs?: number; readonly headers?: Record<string, string> } | 'hold';

export interface ReceivedPost {
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  readonly at: number;
  /** The status answered; undefined while held or when the client went away first. */
  status: number | undefined;
}

/** `attempt` is the 1-based count of POSTs to this path, this one included. */
export type ReceiverScript = (path: string, attempt: number) => ReceiverAction;

export interface Receiver {
  readonly port: number;
  url(path: string): string;
  readonly posts: ReceivedPost[];
  postsTo(path: string): ReceivedPost[];
  /** Answers every held request on `path` with `status`, and stops holding new ones. */
  release(path: string, status?: number): void;
  /** Requests currently held (not answered). */
  held(path: string): number;
  /** The most requests to `path` that were ever waiting for their answer at once. */
  maxInFlight(path: string): number;
  setScript(script: ReceiverScript): void;
  close(): Promise<void>;
}

// --- README snippet (native signature check) ---
export function verifyNative(secret: string, header: string | undefined, rawBody: string, toleranceS = 300): boolean {
  const parts = Object.fromEntries((header ?? '').split(',').map((p) => p.split('=', 2)));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > toleranceS) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest();
  const given = Buffer.from(parts.v1 ?? '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
// --- end of snippet ---

export async function startReceiver(script: ReceiverScript = () => 200): Promise<Receiver> {
  let current = script;
  const posts: ReceivedPost[] = [];
  const attempts = new Map<string, number>();
  const held = new Map<string, Array<(status: number) => void>>();
  const released = new Map<string, number>();
  const sockets = new Set<import('node:net').Socket>();
  const inFlight = new Map<string, number>();
  const maxInFlight = new Map<string, number>();

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      const n = (attempts.get(path) ?? 0) + 1;
      attempts.set(path, n);
      const post: ReceivedPost = { path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now(), status: undefined };
      posts.push(post);
      inFlight.set(path, (inFlight.get(path) ?? 0) + 1);
      maxInFlight.set(path, Math.max(maxInFlight.get(path) ?? 0, inFlight.get(path)!));
      let answered = false;
      const done = (): void => {
        if (answered) return;
        answered = true;
        inFlight.set(path, inFlight.get(path)! - 1);
      };
      res.on('close', done);
      const answer = (status: number, headers: Record<string, string> = {}): void => {
        if (res.writableEnded || res.destroyed) return;
        done();
        post.status = status;
        res.writeHead(status, { 'content-type': 'text/plain', ...headers }).end(status >= 300 ? `scripted ${status}` : 'ok');
      };
      const action = released.has(path) ? released.get(path)! : current(path, n);
      if (action === 'hold') {
        const list = held.get(path) ?? [];
        list.push(answer);
        held.set(path, list);
        return;
      }
      const a = typeof action === 'number' ? { status: action } : action;
      if (a.delayMs) setTimeout(() => answer(a.status, a.headers), a.delayMs);
      else answer(a.status, a.headers);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    posts,
    postsTo: (path) => posts.filter((p) => p.path === path),
    release(path, status = 200) {
      released.set(path, status);
      for (const answer of held.get(path) ?? []) answer(status);
      held.delete(path);
    },
    held: (path) => (held.get(path) ?? []).length,
    maxInFlight: (path) => maxInFlight.get(path) ?? 0,
    setScript(s) {
      current = s;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

/** Polls until `check` holds, failing with `what` (and the detail) after `timeoutMs`. */
export async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000, detail: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${detail() ? `: ${detail()}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
