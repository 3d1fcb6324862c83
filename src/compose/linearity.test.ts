// Every transformation a message goes through costs time linear in its size (issue 15: 24,000
// empty <script> tags took 7.45 s because the tracking scan lower-cased the whole HTML per tag).
// Each shape is run at size n and 10n; a linear step takes ~10x as long, a quadratic one ~100x,
// so the bound (30x, min of several runs after a warm-up) tells them apart on a loaded machine
// without asserting any absolute time.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { relaxedBody, splitMessage, toCrlf } from '../domain/dkim/canonical.js';
import { dkimSignatures } from '../domain/dkim/sign.js';
import { findLongLine } from '../domain/message/line-length.js';
import { splitHeaders } from '../domain/message/raw-headers.js';
import { planHtml, renderHtml } from '../domain/tracking/rewrite.js';
import { ingestRawMessage } from '../ingress/raw-message.js';
import { composeMime } from './mime.js';
import { normaliseLineEnds } from './raw.js';
import { CompiledTemplate, htmlToText, RenderBudget } from './template/render.js';

const MAX_RATIO = 30;
const TRACK = { clicks: true, opens: true, trackingOrigin: 'https://t.test' };
const key = { domain: 'x.test', selector: 's', type: 'ed25519' as const, key: generateKeyPairSync('ed25519').privateKey };
const compose = (c: { text?: string; html?: string }): Promise<Buffer> =>
  composeMime({
    from: { address: 'a@x.test', smtputf8: false },
    to: [{ address: 'b@y.test', smtputf8: false }],
    cc: [],
    messageIdHeader: '<m@x.test>',
    date: 0,
    content: { kind: 'parts', subject: 's', headers: [], attachments: [], replyTo: [], ...c },
  });
const raw = (head: string, body: string): Buffer => Buffer.from(`From: a@x.test\r\n${head}\r\n${body}`, 'latin1');
const loops = new CompiledTemplate({ subject: 's', html: '{{#each items}}<p>{{name}} {{#if on}}on{{/if}}</p>{{/each}}', text: null });
const limits = { maxOutputChars: 1 << 30, maxWorkChars: 1 << 30 };

/** Shapes by name: given a repeat count n, the work to time. */
const SHAPES: Record<string, (n: number) => () => unknown> = {
  'tracking: empty script tags': (n) => () => planHtml('<script></script>'.repeat(n), TRACK),
  'tracking: style tags with an unclosed one': (n) => () => planHtml('<style>a{}</style>'.repeat(n) + '<style>', TRACK),
  'tracking: links, then one copy per recipient': (n) => () => renderHtml(planHtml('<a href="https://s.test/p">x</a> '.repeat(n), TRACK), (u) => `https://t.test/c/${u.length}`, 'https://t.test/o/x'),
  'tracking: unclosed quoted <a tags': (n) => () => planHtml('<a href="'.repeat(n), TRACK),
  'tracking: many </body> tags': (n) => () => planHtml('</body>'.repeat(n), TRACK),
  'compose: UTF-8 text lines': (n) => () => compose({ text: 'Grüße aus Köln\n'.repeat(n) }),
  'compose: one long line': (n) => () => compose({ text: 'x'.repeat(n * 16) }),
  'compose: html': (n) => () => compose({ html: '<p>ü</p>\n'.repeat(n) }),
  'compose: bare line ends': (n) => () => compose({ text: 'a\n\r'.repeat(n * 2) }),
  'html-to-text: empty scripts': (n) => () => htmlToText('<script></script>'.repeat(n / 4)),
  'html-to-text: nested divs': (n) => () => htmlToText('<div>'.repeat(n / 8) + 'x' + '</div>'.repeat(n / 8)),
  'html-to-text: links': (n) => () => htmlToText('<a href="https://x.test/">y</a>'.repeat(n / 4)),
  'dkim: body of empty lines': (n) => () => relaxedBody('\r\n'.repeat(n * 4) + 'x'),
  'dkim: runs of whitespace': (n) => () => relaxedBody(' \t \r\n'.repeat(n * 2)),
  'dkim: signing a header of many To fields': (n) => () => dkimSignatures(raw('To: a@y.test\r\n'.repeat(n / 2), 'b'), [key], 0),
  'dkim: splitting folded headers': (n) => () => splitMessage(`X: a\r\n${' b\r\n'.repeat(n)}\r\nbody`),
  'raw: header reading and X-Txmail removal': (n) => () => ingestRawMessage(raw('X-A: b\r\n'.repeat(n / 4), 'body\r\n')),
  'raw: reading headers': (n) => () => splitHeaders(raw(`Subject: a\r\n${' b\r\n'.repeat(n / 4)}`, 'x')),
  'raw: line ends and line lengths': (n) => () => findLongLine(normaliseLineEnds(Buffer.from('ab\n'.repeat(n * 4)))),
  'template: a loop over the data': (n) => () => loops.render({ items: Array.from({ length: n / 8 }, (_, i) => ({ name: `n${i}`, on: i % 2 === 0 })) }, false, new RenderBudget(limits)),
};

/** Least CPU time of `runs` runs, ms: CPU time, not wall time, so other processes matter less. */
async function best(fn: () => unknown, runs: number): Promise<number> {
  let min = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = process.cpuUsage();
    await fn();
    const d = process.cpuUsage(t);
    min = Math.min(min, (d.user + d.system) / 1000);
  }
  return min;
}

test('every transformation of a message is linear in its size (10x the input costs less than 30x the time)', async (t) => {
  const n = 20_000;
  for (const [name, shape] of Object.entries(SHAPES)) {
    await t.test(name, async () => {
      // Warm-up at both sizes: JIT, and a heap already grown to the large input, so that both
      // sizes are measured under the same garbage-collector regime.
      await best(shape(n * 10), 1);
      await best(shape(n), 2);
      let ratio = Infinity;
      // A loaded machine can slow one measurement: a quadratic shape fails every attempt.
      for (let attempt = 0; attempt < 3 && ratio >= MAX_RATIO; attempt++) {
        const small = Math.max(await best(shape(n), 5), 1);
        const large = await best(shape(n * 10), 3);
        ratio = large / small;
      }
      assert.ok(ratio < MAX_RATIO, `${name}: 10x the input took ${ratio.toFixed(1)}x the time`);
    });
  }
});

test('toCrlf writes what one regex replace writes', () => {
  const parts = ['a\r\n', 'b\n', 'c\r', '\r\n', '\n\r', 'é\n', '\r', '\n', 'xyz'];
  let s = '';
  for (let i = 0; i < 60_000; i++) s += parts[(i * 7919) % parts.length];
  for (const t of [s, `\r${s}\r`, `\n${s}\n`, 'plain', '']) assert.equal(toCrlf(t), t.replace(/\r\n|\r|\n/g, '\r\n'));
  assert.equal(toCrlf(s), s.replace(/\r\n|\r|\n/g, '\r\n'));
});
