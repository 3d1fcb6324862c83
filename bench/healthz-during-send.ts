// How long /healthz waits while the API accepts a large message (issue 15, item 1: a 408 KB
// HTML of empty <script> tags with click tracking took 7.45 s and blocked /healthz for 7.3 s).
// For each shape, with composition on the request thread (compose_threads 0) and on compose
// threads (2): the send's duration and the worst /healthz latency polled every 5 ms meanwhile.
// Not a test: timings depend on the machine.
//   npm run build && node dist/bench/healthz-during-send.js
import { startTxmail } from '../test/support/harness.js';

interface Shape {
  readonly name: string;
  readonly body: Record<string, unknown>;
  /** Another route than a send (its body is sent as is). */
  readonly path?: string;
}

const to = (n: number): string[] => Array.from({ length: n }, (_, i) => `r${i}@bench.test`);
const SHAPES: readonly Shape[] = [
  { name: '408 KB of <script></script>, click tracking', body: { to: to(1), html: '<script></script>'.repeat(24_000), tracking: { clicks: true, opens: true } } },
  { name: '20 MB text, 1 recipient', body: { to: to(1), text: 'Grüße aus Köln, eine Zeile Text.\n'.repeat(600_000) } },
  {
    name: 'template preview, 3 nested #each over 200 (refused)',
    path: '/v1/templates/preview',
    body: { subject: 's', html: '{{#each items}}{{#each ../items}}{{#each ../../items}}<p>{{this}}</p>{{/each}}{{/each}}{{/each}}', data: { items: Array.from({ length: 200 }, (_, i) => i) } },
  },
  { name: '1 MB HTML with links, tracking, 20 recipients', body: { to: to(20), html: '<p><a href="https://shop.test/p">Produkt ü</a></p>\n'.repeat(20_000), tracking: { clicks: true, opens: true } } },
];

async function measure(threads: number, shape: Shape): Promise<{ sendMs: number; status: number; worstHealthMs: number; polls: number }> {
  const tx = await startTxmail({ role: 'api', 'limits.compose_threads': threads, 'limits.max_message_bytes': 200 * 1024 * 1024 });
  try {
    // Warm up: the route, the JIT and (with threads) a compose thread.
    if (!shape.path) await tx.post('/v1/messages', { from: 'a@sender.test', subject: 'warm', ...shape.body, to: to(1) });
    let polling = true;
    let worst = 0;
    let polls = 0;
    // The client shares the server's event loop, so a stall shows as the time from one answer
    // to the next (a 5 ms pause between polls), not only as one request's latency.
    const poller = (async () => {
      let last = performance.now();
      while (polling) {
        await fetch(`${tx.url}/healthz`).then((r) => r.arrayBuffer());
        const now = performance.now();
        worst = Math.max(worst, now - last - 5);
        last = now;
        polls++;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await new Promise((r) => setTimeout(r, 50));
    const t = performance.now();
    const res = shape.path ? await tx.post(shape.path, shape.body) : await tx.post('/v1/messages', { from: 'a@sender.test', subject: 'bench', ...shape.body });
    const sendMs = performance.now() - t;
    polling = false;
    await poller;
    return { sendMs, status: res.status, worstHealthMs: worst, polls };
  } finally {
    await tx.close();
  }
}

for (const shape of SHAPES) {
  for (const threads of shape.path ? [2] : [0, 2]) {
    const r = await measure(threads, shape);
    console.log(`${shape.name.padEnd(48)} compose_threads=${threads}  send ${r.sendMs.toFixed(0).padStart(6)} ms (HTTP ${r.status})  longest /healthz gap ${r.worstHealthMs.toFixed(0).padStart(5)} ms over ${r.polls} polls`);
  }
}
