// No open relay over SMTP either: once sending domains are enforced, a submission from a
// domain the tenant has not added is refused, with the same rule as the HTTP API.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import nodemailer from 'nodemailer';
import { selfSignedPath } from '../../src/ingress/smtp/tls.js';
import { proveOwnership } from '../support/domains.js';
import { startSink, type Sink } from '../support/sink.js';
import { sinkRoute, startTxmail, type Harness } from '../support/harness.js';

let sink: Sink;
let tx: Harness;

before(async () => {
  sink = await startSink({ tls: 'none' });
  tx = await startTxmail({ 'delivery.routes': [sinkRoute(sink.port)], 'domains.allow_unverified_senders': false });
  const added = await tx.post('/v1/domains', { name: 'acme.test' });
  assert.equal(added.status, 201, JSON.stringify(added.body));
  await proveOwnership(tx.app.store, tx.tenantId, 'acme.test');
});
after(async () => {
  await tx.close();
  await sink.close();
});

test('SMTP submission from an added domain is accepted; from any other domain it is refused with 550 5.7.1', async () => {
  const t = nodemailer.createTransport({
    host: '127.0.0.1',
    port: tx.app.submissionAddress().port,
    secure: false,
    requireTLS: true,
    auth: { user: 'apikey', pass: tx.key },
    tls: { ca: readFileSync(selfSignedPath(tx.app.config.data_dir), 'utf8') },
  });
  try {
    const ok = await t.sendMail({ from: 'shop@acme.test', to: 'a@dest.test', subject: 'ok', text: 'ok' });
    assert.match(ok.response, /^250/);
    await assert.rejects(t.sendMail({ from: 'shop@other.test', to: 'b@dest.test', subject: 'relay?', text: 'no' }), (e: Error & { responseCode?: number; response?: string }) => {
      assert.equal(e.responseCode, 550);
      assert.match(e.response ?? '', /5\.7\.1.*other\.test/);
      return true;
    });
    // A forged envelope sender under an added header From is refused too.
    await assert.rejects(t.sendMail({ from: 'shop@acme.test', envelope: { from: 'x@other.test', to: ['c@dest.test'] }, subject: 'env', text: 'no' }), /550/);
  } finally {
    t.close();
  }
  const events = (await tx.get('/v1/events?limit=1000')).body.events as Array<{ recipient: string }>;
  assert.deepEqual([...new Set(events.map((e) => e.recipient))], ['a@dest.test'], 'nothing of the refused messages was stored');
});
