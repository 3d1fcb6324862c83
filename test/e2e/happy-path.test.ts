// HTTP → durable queue → SMTP delivery, end to end on loopback.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startSink, type Sink } from '../support/sink.js';
import { sinkRoute, startTxmail, type Harness } from '../support/harness.js';

let sink: Sink;
let tx: Harness;

before(async () => {
  sink = await startSink({ tls: 'offer' });
  tx = await startTxmail({ 'delivery.routes': [sinkRoute(sink.port)] });
});
after(async () => {
  await tx.close();
  await sink.close();
});

test('a message to many recipients over several domains is delivered, one transaction per domain', async () => {
  const to = ['a1@one.test', 'a2@one.test', 'b1@two.test'];
  const cc = ['a3@one.test', 'c1@three.test'];
  const bcc = ['b2@two.test', 'hidden@three.test'];
  const res = await tx.post('/v1/messages', {
    from: 'Shop <shop@sender.test>',
    to,
    cc,
    bcc,
    subject: 'Your receipt — №42',
    text: 'Thanks for your order. Ünïcödé ✓',
    html: '<p>Thanks for your <b>order</b>. Ünïcödé ✓</p>',
    tags: ['receipt'],
    metadata: { order: '42' },
  });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  const id = res.body.id as string;
  const recipients = res.body.recipients as Array<{ email: string; status: string }>;
  assert.deepEqual(recipients.map((r) => r.status), Array(7).fill('queued'));

  const view = await tx.waitForStates(id, ['delivered']);
  assert.equal(view.deliveries.length, 7);
  assert.ok(view.deliveries.every((d) => d.lastMx === '127.0.0.1' && d.attempts === 1));

  const got = sink.messages.filter((m) => m.header('message-id') === view.messageIdHeader);
  // One transaction per destination domain, each carrying all of that domain's recipients.
  const byTxn = got.map((m) => [...m.to].sort().join(',')).sort();
  assert.deepEqual(byTxn, ['a1@one.test,a2@one.test,a3@one.test', 'b1@two.test,b2@two.test', 'c1@three.test,hidden@three.test']);
  assert.ok(got.every((m) => m.secure), 'STARTTLS was used where offered');
  const parsed = await got[0]!.parse();
  assert.equal(parsed.subject, 'Your receipt — №42');
  assert.equal(parsed.text?.trim(), 'Thanks for your order. Ünïcödé ✓');
  assert.match(String(parsed.html), /<b>order<\/b>/);
  assert.equal(got[0]!.header('bcc'), undefined, 'Bcc never reaches the headers');
  assert.equal(got[0]!.from, 'shop@sender.test');
  assert.match(view.messageIdHeader, /^<msg_[0-9A-Z]{26}@txmail\.test>$/);

  const detail = await tx.get(`/v1/messages/${id}`);
  assert.equal(detail.status, 200);
  const events = (detail.body.events as Array<{ type: string }>).map((e) => e.type);
  assert.equal(events.filter((t) => t === 'queued').length, 7);
  assert.equal(events.filter((t) => t === 'delivered').length, 7);
  const rec = (detail.body.recipients as Array<{ state: string; last_reply: string }>)[0]!;
  assert.equal(rec.state, 'delivered');
  assert.match(rec.last_reply, /^250/);
});

test('the event feed lists the tenant’s events in order with a cursor that continues', async () => {
  const first = await tx.get('/v1/events?limit=3');
  assert.equal(first.status, 200);
  const page = first.body.events as Array<{ id: string; type: string }>;
  assert.equal(page.length, 3);
  const next = await tx.get(`/v1/events?after=${first.body.next_cursor as string}&limit=1000`);
  const rest = next.body.events as Array<{ id: string }>;
  const ids = [...page, ...rest].map((e) => e.id);
  assert.equal(new Set(ids).size, ids.length, 'no event twice');
  const end = await tx.get(`/v1/events?after=${next.body.next_cursor as string}`);
  assert.deepEqual(end.body.events, []);
  assert.equal(end.body.next_cursor, next.body.next_cursor);
});
