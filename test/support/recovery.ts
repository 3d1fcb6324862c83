// Shared by the crash-recovery tests (test/e2e/crash-recovery*.test.ts): an HTTP load of sends
// that a SIGKILL may cut, and the wait for every accepted message to reach the sink and its
// events the webhook receiver, timed from the restart.
import assert from 'node:assert/strict';
import type { Receiver } from './webhook-receiver.js';
import type { Sink } from './sink.js';

export interface Load {
  /** Ids of the messages answered 202. */
  readonly accepted: Set<string>;
  /** Requests whose answer the kill cut off: their fate is unknown, they are not counted. */
  readonly cut: () => number;
  /** Resolves when every sender stopped (all sent, or its request failed). */
  readonly done: Promise<void>;
}

/** `concurrency` senders post `total` messages to /v1/messages; a sender stops at its first failure. */
export function startLoad(url: string, key: string, total: number, concurrency: number, to: (i: number) => string): Load {
  const accepted = new Set<string>();
  let next = 0;
  let cut = 0;
  const done = Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        try {
          const res = await fetch(`${url}/v1/messages`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
            body: JSON.stringify({ from: 'load@sender.test', to: to(i), subject: `load ${i}`, text: `message ${i}` }),
          });
          if (res.status !== 202) throw new Error(`status ${res.status}`);
          accepted.add(((await res.json()) as { id: string }).id);
        } catch {
          cut++;
          return;
        }
      }
    }),
  ).then(() => undefined);
  return { accepted, cut: () => cut, done };
}

export interface Recovery {
  /** From `since` until the last accepted message had reached the sink, ms. */
  readonly deliveredMs: number;
  /** From `since` until the last of their queued and delivered events had reached the receiver, ms. */
  readonly eventsMs: number;
  readonly duplicates: number;
}

/**
 * Polls until every accepted message is at the sink (by Message-ID `<id@hostname>`) and its
 * `queued` and `delivered` events were posted to `path`; fails once `boundMs` after `since` passed.
 */
export async function waitForRecovery(o: {
  readonly sink: Sink;
  readonly rx: Receiver;
  readonly path: string;
  readonly hostname: string;
  readonly accepted: ReadonlySet<string>;
  readonly since: number;
  readonly boundMs: number;
}): Promise<Recovery> {
  const wanted = new Map([...o.accepted].map((id) => [`<${id}@${o.hostname}>`, id]));
  const delivered = new Set<string>();
  const events = new Set<string>();
  let seenMessages = 0;
  let seenPosts = 0;
  let duplicates = 0;
  let deliveredMs: number | undefined;
  let eventsMs: number | undefined;
  const deadline = o.since + o.boundMs;
  for (;;) {
    const messages = o.sink.messages;
    for (; seenMessages < messages.length; seenMessages++) {
      const id = wanted.get(messages[seenMessages]!.header('message-id') ?? '');
      if (id === undefined) continue;
      if (delivered.has(id)) duplicates++;
      delivered.add(id);
    }
    const posts = o.rx.postsTo(o.path);
    for (; seenPosts < posts.length; seenPosts++) {
      for (const e of (JSON.parse(posts[seenPosts]!.body) as { events: Array<{ type: string; message_id: string }> }).events) {
        if (e.type === 'queued' || e.type === 'delivered') events.add(`${e.type} ${e.message_id}`);
      }
    }
    const now = Date.now();
    const missing = [...o.accepted].filter((id) => !delivered.has(id));
    if (missing.length === 0) deliveredMs ??= now - o.since;
    const missingEvents = [...o.accepted].flatMap((id) => ['queued', 'delivered'].filter((t) => !events.has(`${t} ${id}`)).map((t) => `${t} ${id}`));
    if (missingEvents.length === 0 && deliveredMs !== undefined) eventsMs = now - o.since;
    if (deliveredMs !== undefined && eventsMs !== undefined) return { deliveredMs, eventsMs, duplicates };
    if (now > deadline) {
      assert.fail(
        `${o.boundMs / 1000} s after the restart: ${missing.length} of ${o.accepted.size} accepted messages not delivered (e.g. ${missing.slice(0, 2).join(', ')}), ` +
          `${missingEvents.length} events not posted (e.g. ${missingEvents.slice(0, 2).join(', ')})`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
