// Batch-like requests are bounded in their recipients in all (issue 15, item 14): a Postmark
// batch of 500 messages used to carry 500 × limits.max_recipients recipients.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startSink, type Sink } from '../support/sink.js';
import { sinkRoute, startTxmail, type Harness } from '../support/harness.js';

let sink: Sink;
let tx: Harness;

before(async () => {
  sink = await startSink({ tls: 'none' });
  tx = await startTxmail({ 'delivery.routes': [sinkRoute(sink.port)], 'limits.max_recipients': 3, 'limits.max_request_recipients': 5 });
});
after(async () => {
  await tx.close();
  await sink.close();
});

async function queuedCount(): Promise<number> {
  const events = (await tx.get('/v1/events?limit=1000')).body.events as Array<{ type: string }>;
  return events.filter((e) => e.type === 'queued').length;
}

const pm = (i: number, to: string) => ({ From: 'shop@sender.test', To: to, Subject: `batch ${i}`, TextBody: 'hi' });

test('Postmark batch: more recipients in all than limits.max_request_recipients is refused whole, in Postmark’s format', async () => {
  const headers = { 'X-Postmark-Server-Token': tx.key };
  const before = await queuedCount();
  // Three messages of two recipients: each within max_recipients (3), six in all (> 5).
  const big = [0, 1, 2].map((i) => pm(i, `a${i}@pmb.test, b${i}@pmb.test`));
  const r = await tx.post('/email/batch', big, headers);
  assert.equal(r.status, 422, JSON.stringify(r.body));
  assert.equal(r.body.ErrorCode, 300);
  assert.match(r.body.Message as string, /Maximum of 5 recipients allowed per request.*has 6/);
  const templated = await tx.post('/email/batchWithTemplates', { Messages: big.map(({ From, To }) => ({ From, To, TemplateAlias: 'none', TemplateModel: {} })) }, headers);
  assert.equal(templated.status, 422);
  assert.equal(templated.body.ErrorCode, 300);
  assert.equal(await queuedCount(), before, 'nothing of the batch was accepted');
  // Five in all passes.
  const ok = await tx.post('/email/batch', [pm(0, 'a@pmb.test, b@pmb.test'), pm(1, 'c@pmb.test, d@pmb.test, e@pmb.test')], headers);
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.deepEqual((ok.body as unknown as Array<{ ErrorCode: number }>).map((m) => m.ErrorCode), [0, 0]);
});

test('SendGrid: the personalizations of a request together are bounded the same way, in SendGrid’s format', async () => {
  const ps = (n: number) => Array.from({ length: n }, (_, i) => ({ to: [{ email: `a${i}@sgb.test` }, { email: `b${i}@sgb.test` }] }));
  const body = (n: number) => ({ personalizations: ps(n), from: { email: 'shop@sender.test' }, subject: 's', content: [{ type: 'text/plain', value: 'x' }] });
  const r = await tx.post('/v3/mail/send', body(3));
  assert.equal(r.status, 400, JSON.stringify(r.body));
  const errors = r.body.errors as Array<{ message: string; field: string | null }>;
  assert.equal(errors[0]!.field, 'personalizations');
  assert.match(errors[0]!.message, /6 recipients in all personalizations together; the limit is 5/);
  assert.equal((await tx.post('/v3/mail/send', body(2))).status, 202);
});
