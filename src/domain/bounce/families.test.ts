// One notice per MTA family that the real-bounce dev set lacks (test/fixtures/bounces/families.ts):
// recognised, the right recipient, the right action and class.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FAMILY_SAMPLES } from '../../../test/fixtures/bounces/families.js';
import { parseBounce } from './bounce.js';

for (const s of FAMILY_SAMPLES) {
  test(`family ${s.family}: ${s.recipient} → ${s.action} ${s.class}`, () => {
    const b = parseBounce(s.raw);
    assert.ok(b, 'recognised as a bounce');
    const r = b.recipients.find((x) => x.recipient.toLowerCase() === s.recipient);
    assert.ok(r, `recipient among ${b.recipients.map((x) => x.recipient).join(', ')}`);
    assert.equal(r.action, s.action);
    assert.equal(r.classification?.class, s.class, `${r.classification?.reason} ${r.diagnostic ?? ''}`);
  });
}
