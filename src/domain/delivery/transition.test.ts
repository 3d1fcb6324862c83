import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_RETRY } from '../retry/schedule.js';
import { transition } from './transition.js';
import type { DeliveryFacts } from './types.js';

const d: DeliveryFacts = { id: 'm.0', messageId: 'm', recipient: 'a@x.test', attempts: 0, acceptedAt: 0, possibleDuplicate: false };
const now = 1_000;

test('2xx → delivered with the reply, MX and TLS', () => {
  const t = transition(d, { kind: 'accepted', reply: { code: 250, enhanced: '2.0.0', text: 'OK id=1' }, mx: 'mx.x.test', tls: true }, DEFAULT_RETRY, now);
  assert.equal(t.state, 'delivered');
  assert.equal(t.nextAttemptAt, null);
  assert.deepEqual(t.event, {
    type: 'delivered',
    messageId: 'm',
    deliveryId: 'm.0',
    recipient: 'a@x.test',
    at: now,
    data: { reply: '250 2.0.0 OK id=1', mx: 'mx.x.test', tls: true, attempt: 1 },
  });
});

test('a delivered event after a lost lease is flagged possible_duplicate', () => {
  const t = transition({ ...d, possibleDuplicate: true }, { kind: 'accepted', reply: { code: 250, text: 'OK' }, mx: 'mx', tls: false }, DEFAULT_RETRY, now);
  assert.equal(t.event.type, 'delivered');
  assert.equal((t.event.data as { possible_duplicate?: true }).possible_duplicate, true);
});

test('4xx → deferred to the first retry delay', () => {
  const t = transition(d, { kind: 'rejected', reply: { code: 450, enhanced: '4.2.0', text: 'busy' }, mx: 'mx', tls: false }, DEFAULT_RETRY, now);
  assert.equal(t.state, 'deferred');
  assert.equal(t.attempts, 1);
  assert.equal(t.nextAttemptAt, now + 60_000);
  assert.equal(t.event.type, 'deferred');
});

test('5xx user unknown → bounced hard', () => {
  const t = transition(d, { kind: 'rejected', reply: { code: 550, enhanced: '5.1.1', text: 'User unknown' }, mx: 'mx', tls: false }, DEFAULT_RETRY, now);
  assert.equal(t.state, 'bounced');
  assert.deepEqual(t.bounce, { class: 'hard', reason: 'user_unknown' });
});

test('a 4xx after the lifetime → bounced soft with reason expired', () => {
  const late = DEFAULT_RETRY.maxLifetimeS * 1000 + 1;
  const t = transition({ ...d, attempts: 30 }, { kind: 'rejected', reply: { code: 451, text: 'later' }, mx: 'mx', tls: false }, DEFAULT_RETRY, late);
  assert.equal(t.state, 'bounced');
  assert.deepEqual(t.bounce, { class: 'soft', reason: 'expired' });
});

test('a broken connection after the data was sent defers and marks a possible duplicate', () => {
  const t = transition(d, { kind: 'failed', reason: 'connection_failed', text: 'reset', mx: 'mx', unknownOutcome: true }, DEFAULT_RETRY, now);
  assert.equal(t.state, 'deferred');
  assert.equal(t.possibleDuplicate, true);
});

test('a dead destination pushes the retry to its back-off', () => {
  const t = transition(d, { kind: 'failed', reason: 'connection_failed', text: 'refused', unknownOutcome: false, notBefore: now + 600_000 }, DEFAULT_RETRY, now);
  assert.equal(t.nextAttemptAt, now + 600_000);
});

test('null MX → bounced hard at once', () => {
  const t = transition(d, { kind: 'unroutable', permanent: true, reason: 'host_unknown', text: 'null MX' }, DEFAULT_RETRY, now);
  assert.equal(t.state, 'bounced');
  assert.deepEqual(t.bounce, { class: 'hard', reason: 'host_unknown' });
});

test('egress refusal → bounced soft with reason egress_refused', () => {
  const t = transition(d, { kind: 'unroutable', permanent: true, reason: 'egress_refused', text: '127.0.0.1 is loopback' }, DEFAULT_RETRY, now);
  assert.deepEqual(t.bounce, { class: 'soft', reason: 'egress_refused' });
  assert.equal(t.event.type === 'bounced' && t.event.data.source, 'policy');
});

test('a suspended delivery is deferred without counting an attempt', () => {
  const t = transition({ ...d, attempts: 2 }, { kind: 'suspended', until: now + 5000, text: 'suspended' }, DEFAULT_RETRY, now);
  assert.equal(t.state, 'deferred');
  assert.equal(t.attempts, 2);
  assert.equal(t.nextAttemptAt, now + 5000);
});
