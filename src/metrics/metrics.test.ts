// Bounded label sets: per-destination and per-endpoint metrics never grow without limit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BoundedLabels, OTHER, TxMetrics, topWithOther } from './metrics.js';

test('topWithOther keeps the largest entries and sums the rest under _other', () => {
  const entries: Array<[string, number]> = [['a.test', 1], ['b.test', 5], ['c.test', 3], ['d.test', 2]];
  assert.deepEqual(topWithOther(entries, 2), [['b.test', 5], ['c.test', 3], [OTHER, 3]]);
  assert.deepEqual(topWithOther(entries, 4), [['b.test', 5], ['c.test', 3], ['d.test', 2], ['a.test', 1]]);
  assert.deepEqual(topWithOther([], 3), []);
});

test('BoundedLabels gives the first names their own label and later ones _other, stably', () => {
  const l = new BoundedLabels(2);
  assert.deepEqual(['wh_1', 'wh_2', 'wh_3', 'wh_1', 'wh_4', 'wh_2'].map((n) => l.label(n)), ['wh_1', 'wh_2', OTHER, 'wh_1', OTHER, 'wh_2']);
});

test('webhook failures of many endpoints stay within max_webhooks + 1 series', async () => {
  const m = new TxMetrics({ thread: 'worker', maxDestinations: 3, maxWebhooks: 3 });
  try {
    for (let i = 0; i < 50; i++) m.webhookFailed(`wh_${i}`);
    const [metric] = (await m.registry.getMetricsAsJSON()).filter((x) => x.name === 'txmail_webhook_failures_total');
    assert.equal(metric?.values.length, 4);
    assert.equal(metric?.values.find((v) => v.labels['endpoint'] === OTHER)?.value, 47);
  } finally {
    m.close();
  }
});
