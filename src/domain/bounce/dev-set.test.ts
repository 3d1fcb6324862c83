// The real-bounce development set (test/fixtures/bounce-dev/: 230 bounces from more than 30 MTA
// families, labelled by Sisimai): each one must be recognised by parseBounce(), name the
// recipient it is about (recipients.json, checked by hand), and agree with Sisimai's hard/soft
// label on at least 97% of the set. Single disagreements are allowed (Sisimai reads a few with
// knowledge of one provider) but every family must be recognised.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { parseBounce } from './bounce.js';
import { SISIMAI_REASONS, sesBounce } from './vocabulary.js';
import { BOUNCE_REASONS } from './classify.js';

interface Row {
  readonly file: string;
  readonly source: string;
  readonly reason: string;
  readonly class: 'hard' | 'soft';
}

// Compiled to dist/src/domain/bounce/; the fixtures stay in the source tree.
const DIR = join(fileURLToPath(new URL('.', import.meta.url)), '../../../../test/fixtures/bounce-dev');
const ROWS: Row[] = readFileSync(join(DIR, 'index.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as Row);
const RECIPIENTS = JSON.parse(readFileSync(join(DIR, 'recipients.json'), 'utf8')) as Record<string, string[]>;

const agreed: string[] = [];
const disagreed: string[] = [];

for (const row of ROWS) {
  test(`dev set ${row.file} (${row.source}, ${row.class}/${row.reason})`, () => {
    const parsed = parseBounce(readFileSync(join(DIR, row.file)));
    assert.ok(parsed, 'recognised as a bounce');
    const want = RECIPIENTS[row.file] ?? [];
    assert.ok(want.length > 0, 'an expected recipient is on file');
    const got = parsed.recipients.map((r) => r.recipient.toLowerCase());
    for (const w of want) assert.ok(got.includes(w.toLowerCase()), `recipient ${w} among ${got.join(', ')}`);
    const mine = parsed.recipients.find((r) => r.recipient.toLowerCase() === want[0]?.toLowerCase());
    assert.ok(mine?.classification, 'classified');
    (mine.classification.class === row.class ? agreed : disagreed).push(`${row.file}: ${mine.classification.reason} ${mine.diagnostic ?? ''}`);
    // A delay notice is never hard; a hard class is only ever one of the four address reasons.
    if (mine.action === 'delayed') assert.equal(mine.classification.class, 'soft');
    if (mine.classification.class === 'hard') assert.ok(['user_unknown', 'host_unknown', 'has_moved', 'not_accepting'].includes(mine.classification.reason));
  });
}

test('dev set: hard/soft agrees with Sisimai on at least 97% of the bounces', () => {
  const share = agreed.length / ROWS.length;
  assert.ok(share >= 0.97, `${(share * 100).toFixed(1)}% agree; disagreements:\n${disagreed.join('\n')}`);
});

test('dev set: every MTA family of the set is present and recognised', () => {
  const families = new Set(ROWS.map((r) => r.source));
  assert.ok(families.size >= 30, `${families.size} families`);
  for (const f of families) {
    const rows = ROWS.filter((r) => r.source === f);
    assert.ok(rows.every((r) => parseBounce(readFileSync(join(DIR, r.file)))), f);
  }
});

test("Sisimai's reasons map to our reason words and to SES bounce types that keep hard = Permanent", () => {
  const hard = new Set(['userunknown', 'hostunknown', 'hasmoved', 'notaccept']);
  for (const [sisimai, ours] of Object.entries(SISIMAI_REASONS)) {
    assert.ok(BOUNCE_REASONS.includes(ours), `${sisimai} → ${ours}`);
    const ses = sesBounce(hard.has(sisimai) ? 'hard' : 'soft', ours);
    assert.equal(ses.bounce_type, hard.has(sisimai) ? 'Permanent' : 'Transient', sisimai);
  }
  for (const r of new Set(ROWS.map((x) => x.reason))) assert.ok(r in SISIMAI_REASONS, `dev-set reason ${r} is mapped`);
  assert.equal(sesBounce('hard', 'user_unknown').bounce_sub_type, 'NoEmail');
  assert.equal(sesBounce('soft', 'mailbox_full').bounce_sub_type, 'MailboxFull');
  assert.equal(sesBounce('soft', 'message_too_large').bounce_sub_type, 'MessageTooLarge');
  assert.equal(sesBounce('soft', 'policy_blocked').bounce_sub_type, 'General');
});
