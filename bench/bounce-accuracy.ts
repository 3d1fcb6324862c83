// Dev-set accuracy of parseBounce(): how many of the labelled real bounces in
// test/fixtures/bounce-dev/ are recognised, name the expected recipient, and agree with Sisimai's
// hard/soft label; overall and per Sisimai reason.
//
//   npm run build && node dist/bench/bounce-accuracy.js [--list]
//
// --list prints every disagreement (file, expected, got, reason words) for working on the rules.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { parseBounce } from '../src/domain/bounce/bounce.js';
import { SISIMAI_REASONS } from '../src/domain/bounce/vocabulary.js';
import { bounceDecision } from '../src/domain/feedback/inbound.js';

interface Row {
  readonly file: string;
  readonly source: string;
  readonly reason: string;
  readonly class: 'hard' | 'soft';
  readonly status: string;
}

const DIR = join(fileURLToPath(new URL('.', import.meta.url)), '../../test/fixtures/bounce-dev');
const rows: Row[] = readFileSync(join(DIR, 'index.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as Row);
const expected = JSON.parse(readFileSync(join(DIR, 'recipients.json'), 'utf8')) as Record<string, string[]>;
const list = process.argv.includes('--list');

interface Tally {
  n: number;
  recognised: number;
  recipient: number;
  agree: number;
  /** Our reason word is the one vocabulary.ts maps Sisimai's reason to. */
  reason: number;
}
const blank = (): Tally => ({ n: 0, recognised: 0, recipient: 0, agree: 0, reason: 0 });
const total = blank();
const byReason = new Map<string, Tally>();
const bySource = new Map<string, Tally>();

for (const row of rows) {
  const raw = readFileSync(join(DIR, row.file));
  const parsed = parseBounce(raw);
  const wants = expected[row.file] ?? [];
  const want = wants[0];
  const found = new Set(parsed?.recipients.map((r) => r.recipient.toLowerCase()));
  const entry = wants.length > 0 && wants.every((w) => found.has(w.toLowerCase()));
  const decision = parsed && want ? bounceDecision(parsed, want) : undefined;
  // A delay notice is recognised and soft (an event, never a suppression): its class counts too.
  const mine = parsed?.recipients.find((r) => r.recipient.toLowerCase() === want?.toLowerCase());
  const got = mine?.classification?.class ?? (decision?.kind === 'bounced' ? decision.class : undefined);
  const t = [total, get(byReason, row.reason), get(bySource, row.source)];
  for (const x of t) {
    x.n++;
    if (parsed) x.recognised++;
    if (entry) x.recipient++;
    if (got === row.class) x.agree++;
    if (mine?.classification?.reason === SISIMAI_REASONS[row.reason]) x.reason++;
  }
  if (list && (!entry || got !== row.class)) {
    const why = !decision ? 'unrecognised' : decision.kind === 'ignore' ? decision.why : `${decision.kind} ${decision.reason} ${decision.status} ${decision.reply.slice(0, 140)}`;
    const rcpts = parsed?.recipients.map((r) => r.recipient).join(',') ?? '-';
    console.log(`${row.file}\t${row.class}/${row.reason}\tgot ${got ?? '-'}\trcpt ${entry ? 'ok' : `WANT ${wants.join(',')} GOT ${rcpts}`}\t${why}`);
  }
}

function get(m: Map<string, Tally>, k: string): Tally {
  let t = m.get(k);
  if (!t) m.set(k, (t = blank()));
  return t;
}

const pct = (a: number, n: number): string => `${((100 * a) / n).toFixed(1)}%`;
const line = (name: string, t: Tally): string =>
  `${name.padEnd(22)} ${String(t.n).padStart(4)}  recognised ${pct(t.recognised, t.n).padStart(6)}  recipient ${pct(t.recipient, t.n).padStart(6)}  hard/soft ${pct(t.agree, t.n).padStart(6)}  reason word ${pct(t.reason, t.n).padStart(6)}`;

console.log(line('overall', total));
console.log('\nper Sisimai reason:');
for (const [k, t] of [...byReason].sort((a, b) => b[1].n - a[1].n)) console.log(line(k, t));
if (process.argv.includes('--sources')) {
  console.log('\nper source:');
  for (const [k, t] of [...bySource].sort((a, b) => b[1].n - a[1].n)) console.log(line(k, t));
}
