// The session's own guard: whatever target it is handed (a route, or later MTA-STS/DANE code),
// credentials never travel over plaintext or over TLS whose certificate was not verified.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { SINK_CREDENTIALS, startSink, type Sink, type SinkOptions } from '../../test/support/sink.js';
import { testCa } from '../../test/support/certs.js';
import { SmtpSession, type SessionTarget } from './smtp-session.js';

const timeouts = { connectMs: 2000, greetingMs: 2000, commandMs: 2000, dataBlockMs: 2000, dataEndMs: 2000 };

async function sink(t: TestContext, opts: SinkOptions): Promise<Sink> {
  const s = await startSink({ ...opts, authRequired: true });
  t.after(() => s.close());
  return s;
}

function target(s: Sink, extra: Partial<SessionTarget>): SessionTarget {
  return { host: 'relay.test', ip: s.host, port: s.port, tls: 'opportunistic', auth: SINK_CREDENTIALS, ...extra };
}

test('credentials are not sent over plaintext, even when the target asks for opportunistic TLS', async (t) => {
  const s = await sink(t, { tls: 'none' });
  const r = await SmtpSession.open(target(s, {}), { hostname: 'txmail.test', timeouts });
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.text : '', /credentials not sent: the session is not encrypted \(tls: opportunistic\)/);
  assert.deepEqual(!r.ok && r.tls, { verified: false });
  assert.deepEqual(s.commands, []);
});

test('credentials are not sent over TLS whose certificate nobody checked', async (t) => {
  const s = await sink(t, { cert: testCa().issue(['relay.test']) });
  const r = await SmtpSession.open(target(s, {}), { hostname: 'txmail.test', timeouts });
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.text : '', /credentials not sent: the session is encrypted but its certificate was not verified/);
  assert.equal(!r.ok && r.tls?.verified, false);
  assert.match((!r.ok && r.tls?.version) || '', /^TLSv1/);
  assert.deepEqual(s.commands, []);
});

test('with a verified certificate the session logs in, and says what it got', async (t) => {
  const s = await sink(t, { cert: testCa().issue(['relay.test']) });
  const r = await SmtpSession.open(target(s, { tls: 'required', verify: { name: 'relay.test', ca: testCa().cert, by: 'route_ca_file' } }), {
    hostname: 'txmail.test',
    timeouts,
  });
  assert.ok(r.ok, !r.ok ? r.text : '');
  t.after(() => r.session.close());
  assert.equal(r.session.tlsRecord.verified, true);
  assert.equal(r.session.tlsRecord.verified_by, 'route_ca_file');
  assert.deepEqual(s.commands.map((c) => [c.phase, c.value, c.secure]), [['auth', SINK_CREDENTIALS.user, true]]);
});
