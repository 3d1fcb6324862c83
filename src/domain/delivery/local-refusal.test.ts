import assert from 'node:assert/strict';
import { test } from 'node:test';
import { localRefusals, smtpPathProblem } from './local-refusal.js';
import { transition } from './transition.js';

const BAD = '"x> NOTIFY=SUCCESS <y"@sink.test';

test('addresses nodemailer would refuse are found, sendable ones and the null sender are not', () => {
  assert.equal(smtpPathProblem('a@b.test'), undefined);
  assert.equal(smtpPathProblem('"a b"@b.test'), undefined);
  assert.equal(smtpPathProblem('', true), undefined);
  assert.match(smtpPathProblem('') ?? '', /empty/);
  assert.match(smtpPathProblem(BAD) ?? '', /"<" or ">"/);
  assert.match(smtpPathProblem('a\r\n@b.test') ?? '', /CR, LF/);
});

test('a bad recipient is a hard invalid_address bounce; a bad sender fails all, soft', () => {
  const r = localRefusals('b+x@bounce.a.test', ['ok@b.test', BAD]);
  assert.deepEqual([...r.keys()], [BAD]);
  const policy = { firstDelayS: 60, factor: 2, maxDelayS: 3600, maxLifetimeS: 432_000 };
  const facts = { id: 'd1', messageId: 'm1', recipient: BAD, attempts: 0, acceptedAt: 0, possibleDuplicate: false };
  const t = transition(facts, r.get(BAD)!, policy, 1000);
  assert.equal(t.state, 'bounced');
  assert.deepEqual(t.bounce, { class: 'hard', reason: 'invalid_address' });
  const s = localRefusals('a<b@x.test', ['ok@b.test']);
  const ts = transition({ ...facts, recipient: 'ok@b.test' }, s.get('ok@b.test')!, policy, 1000);
  assert.equal(ts.state, 'bounced');
  assert.deepEqual(ts.bounce, { class: 'soft', reason: 'sender_rejected' });
});
