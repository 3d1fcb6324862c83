// /metrics end to end: off by default, never open without a token or a listener of its own,
// accepted by Prometheus's own parser (promtool), and its figures move when mail moves, the
// worker thread's (SMTP attempts, outcomes, latency) included.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import nodemailer from 'nodemailer';
import { selfSignedPath } from '../../src/ingress/smtp/tls.js';
import { after, before, describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { startSink, type Sink } from '../support/sink.js';
import { sinkRoute, startTxmail, type Harness } from '../support/harness.js';
import { sample } from '../support/prom.js';

const TOKEN = 'metrics-token-for-tests';

/** promtool from Debian's `prometheus` package; CI installs it (.ci/run), elsewhere the check is skipped. */
function promtool(text: string): { ok: boolean; output: string } | undefined {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    if (process.env.CI === 'true') throw new Error('promtool is missing: CI must install the prometheus package (.ci/run does)');
    return undefined;
  }
  const output = `${r.stdout}${r.stderr}`;
  // Lint findings (exit 3) are allowed only for prom-client's own default gauges, whose names
  // end in _total; a parse error (exit 1) or any finding about our metrics fails.
  const findings = output.split('\n').filter((l) => l.trim() !== '' && !PROM_CLIENT_LINT.test(l));
  return { ok: (r.status === 0 || r.status === 3) && findings.length === 0, output };
}

const PROM_CLIENT_LINT = /^nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix$/;

async function scrape(url: string, token?: string): Promise<{ status: number; type: string | null; text: string }> {
  const res = await fetch(`${url}/metrics`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

test('metrics are off by default, and turning them on without a token or a listener of its own is refused', () => {
  assert.equal(loadConfig({ env: {} }).metrics.enabled, false);
  assert.throws(() => loadConfig({ env: {}, overrides: { 'metrics.enabled': true } }), (e: unknown) => e instanceof ConfigError && /metrics\.token/.test(e.message));
  assert.throws(
    () => loadConfig({ env: {}, overrides: { 'metrics.enabled': true, 'metrics.token': 'x', role: 'worker' } }),
    (e: unknown) => e instanceof ConfigError && /metrics\.host/.test(e.message),
  );
  assert.doesNotThrow(() => loadConfig({ env: {}, overrides: { 'metrics.enabled': true, 'metrics.host': '127.0.0.1' } }));
});

test('with metrics off (the default), /metrics does not exist', async (t) => {
  const tx = await startTxmail();
  t.after(() => tx.close());
  assert.equal((await scrape(tx.url)).status, 404);
  assert.equal((await scrape(tx.url, TOKEN)).status, 404);
});

describe('metrics on the main listener, behind a token', () => {
  let sink: Sink;
  let tx: Harness;
  before(async () => {
    sink = await startSink();
    tx = await startTxmail({ 'delivery.routes': [sinkRoute(sink.port)], 'metrics.enabled': true, 'metrics.token': TOKEN, 'metrics.cache_ms': 0 });
  });
  after(async () => {
    await tx.close();
    await sink.close();
  });

  test('without the token, or with another, /metrics answers 401 and shows nothing', async () => {
    for (const token of [undefined, 'wrong']) {
      const r = await scrape(tx.url, token);
      assert.equal(r.status, 401);
      assert.doesNotMatch(r.text, /txmail_/);
    }
  });

  test('the exposition passes promtool, and counters move as mail is accepted, delivered, deferred and bounced', async () => {
    const first = await scrape(tx.url, TOKEN);
    assert.equal(first.status, 200);
    assert.match(first.type ?? '', /^text\/plain; version=0\.0\.4/);
    const base = (name: string, labels: Record<string, string> = {}): number => sample(first.text, name, labels) || 0;

    const send = async (to: string): Promise<string> => {
      const r = await tx.post('/v1/messages', { from: 'shop@sender.test', to: [to], subject: 'm', text: 'hello' });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      return r.body.id as string;
    };
    const ok = await Promise.all([send('a@one.test'), send('b@two.test')]);
    const hard = await send('rcpt-550-x@three.test');
    const soft = await send('rcpt-451-x@four.test');
    // One through SMTP submission, for the smtp ingress.
    const ca = readFileSync(selfSignedPath(tx.app.config.data_dir), 'utf8');
    const smtp = nodemailer.createTransport({ host: '127.0.0.1', port: tx.app.submissionAddress().port, secure: false, requireTLS: true, auth: { user: 'apikey', pass: tx.key }, tls: { ca } });
    await smtp.sendMail({ from: 'shop@sender.test', to: 'c@five.test', subject: 'via smtp', text: 'hello' });
    smtp.close();
    for (const id of ok) await tx.waitForStates(id, ['delivered']);
    await tx.waitForStates(hard, ['bounced']);
    await tx.waitForStates(soft, ['deferred']);

    const now = await scrape(tx.url, TOKEN);
    assert.equal(now.status, 200);
    const check = promtool(now.text);
    if (check) assert.ok(check.ok, `promtool check metrics:\n${check.output}`);
    const delta = (name: string, labels: Record<string, string> = {}): number => (sample(now.text, name, labels) || 0) - base(name, labels);

    assert.equal(delta('txmail_messages_accepted_total', { ingress: 'http' }), 4);
    assert.equal(delta('txmail_messages_accepted_total', { ingress: 'smtp' }), 1);
    // Outcomes are counted in the worker thread and merged into this scrape.
    // The SMTP-submitted message may still be on its way: at least the two HTTP ones.
    assert.ok(delta('txmail_deliveries_total', { outcome: 'delivered' }) >= 2);
    assert.equal(delta('txmail_deliveries_total', { outcome: 'bounced', class: 'hard', reason: 'user_unknown' }), 1, now.text.match(/^txmail_deliveries_total.*$/gm)?.join('\n'));
    assert.ok(delta('txmail_deliveries_total', { outcome: 'deferred' }) >= 1);
    assert.equal(delta('txmail_delivery_latency_seconds_count'), delta('txmail_deliveries_total', { outcome: 'delivered' }));
    assert.ok(delta('txmail_smtp_attempt_duration_seconds_count') >= 4, 'one SMTP transaction per message at least');
    assert.ok(delta('txmail_store_commit_seconds_count', { op: 'acceptMessages' }) >= 3);
    assert.ok(delta('txmail_store_batch_size_sum', { op: 'recordOutcomes' }) >= 4);
    // Read from the store at scrape time: the deferred delivery waits for its retry.
    assert.equal(sample(now.text, 'txmail_queue_deliveries', { state: 'deferred' }), 1);
    assert.ok(sample(now.text, 'txmail_queue_oldest_age_seconds', { state: 'deferred' }) > 0);
    for (const thread of ['main', 'worker']) assert.ok(sample(now.text, 'txmail_event_loop_lag_seconds', { thread, stat: 'p99' }) >= 0, `loop lag of the ${thread} thread`);
    assert.ok(sample(now.text, 'process_resident_memory_bytes') > 0, 'default process metrics');
  });
});

test('a metrics listener of its own serves /metrics without a token; the main listener does not serve it', async (t) => {
  const tx = await startTxmail({ 'metrics.enabled': true, 'metrics.host': '127.0.0.1', 'metrics.port': 0 });
  t.after(() => tx.close());
  assert.equal((await scrape(tx.url)).status, 404);
  assert.equal((await scrape(tx.url, TOKEN)).status, 404);
  const r = await scrape(tx.app.metricsUrl());
  assert.equal(r.status, 200);
  assert.equal(sample(r.text, 'txmail_queue_deliveries', { state: 'queued' }), 0);
  const check = promtool(r.text);
  if (check) assert.ok(check.ok, check.output);
});
