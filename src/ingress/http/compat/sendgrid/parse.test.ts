import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TxError } from '../../../../domain/errors.js';
import { renderSendGridError, sendGridField } from './index.js';
import { parseSendGridMail } from './parse.js';

const NOW = Date.UTC(2025, 0, 15, 12);
const LIMITS = { maxRecipients: 5, maxMessageBytes: 100_000, maxScheduleAheadMs: 30 * 86_400_000 };
const BASE = { from: { email: 'a@x.test' }, subject: 's', content: [{ type: 'text/plain', value: 't' }], personalizations: [{ to: [{ email: 'b@y.test' }] }] };

function errorOf(body: unknown): TxError {
  try {
    parseSendGridMail(body, LIMITS, NOW);
  } catch (e) {
    assert.ok(e instanceof TxError);
    return e;
  }
  assert.fail('expected an error');
}

test('a minimal request; message-wide fields and personalization fields are kept apart', () => {
  const m = parseSendGridMail(
    { ...BASE, categories: ['c'], custom_args: { k: 'v' }, personalizations: [{ to: [{ email: 'b@y.test', name: 'B' }], subject: 'p', custom_args: { k: 'w' }, substitutions: { '-n-': 3 } }] },
    LIMITS,
    NOW,
  );
  assert.equal(m.subject, 's');
  assert.equal(m.text, 't');
  assert.deepEqual(m.categories, ['c']);
  assert.deepEqual(m.personalizations[0]?.to, [{ address: 'b@y.test', name: 'B', smtputf8: false }]);
  assert.deepEqual(m.personalizations[0]?.substitutions, [['-n-', '3']]);
  assert.equal(m.sandbox, false);
});

test('SendGrid’s rules: unique addresses per personalization, send_at within 72 h, content types, sandbox flag type', () => {
  const dup = errorOf({ ...BASE, personalizations: [{ to: [{ email: 'b@y.test' }], bcc: [{ email: 'B@y.test' }] }] });
  assert.match(dup.fields[0]!.message, /should be unique between to, cc, and bcc/);
  const late = errorOf({ ...BASE, send_at: NOW / 1000 + 73 * 3600 });
  assert.deepEqual(late.fields.map((f) => f.path), ['send_at']);
  const types = errorOf({ ...BASE, content: [{ type: 'text/calendar', value: 'x' }] });
  assert.deepEqual(types.fields.map((f) => f.path), ['content[0].type']);
  const sandbox = errorOf({ ...BASE, mail_settings: { sandbox_mode: { enable: 'true' } } });
  assert.match(sandbox.fields[0]!.message, /should be a boolean value/);
  assert.equal(errorOf({ ...BASE, personalizations: [] }).fields[0]?.path, 'personalizations');
  assert.equal(errorOf({ ...BASE, personalizations: [{ to: Array.from({ length: 6 }, (_, i) => ({ email: `r${i}@y.test` })) }] }).code, 'TX_ERR_TOO_MANY_RECIPIENTS');
});

test('the recipients of all personalizations together are bounded by limits.max_request_recipients', () => {
  const ps = (n: number) => Array.from({ length: n }, (_, i) => ({ to: [{ email: `a${i}@y.test` }, { email: `b${i}@y.test` }] }));
  const limits = { ...LIMITS, maxRequestRecipients: 7 };
  assert.doesNotThrow(() => parseSendGridMail({ ...BASE, personalizations: ps(3) }, limits, NOW));
  let err: unknown;
  try {
    parseSendGridMail({ ...BASE, personalizations: ps(4) }, limits, NOW);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof TxError);
  assert.equal(err.code, 'TX_ERR_TOO_MANY_RECIPIENTS');
  assert.match(err.message, /8 recipients in the request; the limit is 7/);
});

test('without a template, content and a subject are required; with one they come from it', () => {
  const { subject: _s, content: _c, ...bare } = BASE;
  assert.deepEqual(errorOf(bare).fields.map((f) => f.path).sort(), ['content', 'personalizations[0]']);
  assert.equal(parseSendGridMail({ ...bare, template_id: 'd-0123' }, LIMITS, NOW).templateId, 'd-0123');
});

test('errors render as SendGrid’s, with dotted field paths and 400 for invalid fields', () => {
  assert.equal(sendGridField('personalizations[0].to[1].email'), 'personalizations.0.to.1.email');
  assert.equal(sendGridField('headers["X Y"]'), 'headers.X Y');
  const r = renderSendGridError(errorOf({ ...BASE, from: { email: 'nope' } }));
  assert.equal(r.status, 400);
  assert.deepEqual(r.body, { errors: [{ message: 'missing @', field: 'from.email', help: null }] });
  assert.deepEqual(renderSendGridError(new TxError('TX_ERR_UNAUTHENTICATED', 'authorization required')), {
    status: 401,
    body: { errors: [{ message: 'authorization required', field: null, help: null }] },
  });
});

test('tracking_settings become the message’s tracking switches; text links only with click tracking on', () => {
  const t = (ts: unknown): unknown => parseSendGridMail({ ...BASE, tracking_settings: ts }, LIMITS, NOW).tracking;
  assert.equal(parseSendGridMail(BASE, LIMITS, NOW).tracking, undefined);
  assert.deepEqual(t({ click_tracking: { enable: false, enable_text: true }, open_tracking: { enable: false } }), { clicks: false, opens: false });
  assert.deepEqual(t({ click_tracking: { enable: true, enable_text: true } }), { clicks: true, textClicks: true });
  assert.deepEqual(t({ open_tracking: { enable: true } }), { opens: true });
  assert.deepEqual(t({ subscription_tracking: { enable: false }, ganalytics: { enable: false } }), {});
  assert.equal(errorOf({ ...BASE, tracking_settings: { click_tracking: { enable: 'no' } } }).fields[0]?.path, 'tracking_settings.click_tracking.enable');
});

test('a personalization’s own from is its sender; without a top-level from every personalization needs one', () => {
  const m = parseSendGridMail({ ...BASE, from: undefined, personalizations: [{ to: [{ email: 'b@y.test' }], from: { email: 'p@x.test' } }] }, LIMITS, NOW);
  assert.equal(m.personalizations[0]?.from?.address, 'p@x.test');
  assert.equal(m.from.address, 'p@x.test');
  const e = errorOf({ ...BASE, from: undefined, personalizations: [{ to: [{ email: 'b@y.test' }], from: { email: 'p@x.test' } }, { to: [{ email: 'c@y.test' }] }] });
  assert.deepEqual(e.fields.map((f) => f.path), ['from']);
  assert.equal(errorOf({ ...BASE, personalizations: [{ to: [{ email: 'b@y.test' }], send_each_at: [1] }] }).fields[0]?.path, 'personalizations[0].send_each_at');
});
