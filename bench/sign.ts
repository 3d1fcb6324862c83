// node dist/bench/sign.js: what DKIM signing costs per message, measured on this machine.
// The message is the benchmark's (2 KB of text, as composed by txmail); also 50 KB. Prints one
// line per case and, last, JSON. Key parsing is shown apart: the preparer parses each key once
// per process, and this is what that cache saves on every message.
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { composeMime } from '../src/compose/mime.js';
import { dkimSignatures, type DkimSigningKey } from '../src/domain/dkim/sign.js';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ed = generateKeyPairSync('ed25519');
const RSA: DkimSigningKey = { domain: 'sender.test', selector: 'r1', type: 'rsa', key: rsa.privateKey };
const ED: DkimSigningKey = { domain: 'sender.test', selector: 'e1', type: 'ed25519', key: ed.privateKey };
const rsaPem = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

async function message(size: number): Promise<Buffer> {
  const filler = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. ';
  const text = filler.repeat(Math.ceil(size / filler.length)).slice(0, size);
  return composeMime({
    from: { address: 'bench@sender.test', smtputf8: false },
    to: [{ address: 'user1@d1.bench.test', smtputf8: false }],
    cc: [],
    content: { kind: 'parts', subject: 'Benchmark message 1', text, headers: [], attachments: [], replyTo: [] },
    messageIdHeader: '<msg_1@bench.txmail.test>',
    date: Date.now(),
  });
}

function perOp(fn: () => unknown, n: number): number {
  for (let i = 0; i < Math.min(200, n); i++) fn();
  const t = process.cpuUsage();
  for (let i = 0; i < n; i++) fn();
  const d = process.cpuUsage(t);
  return (d.user + d.system) / 1000 / n;
}

const result: Record<string, number> = {};
for (const size of [2048, 50 * 1024]) {
  const msg = await message(size);
  const kb = `${Math.round(size / 1024)}kb`;
  result[`rsa_${kb}_ms`] = perOp(() => dkimSignatures(msg, [RSA], Date.now()), 2000);
  result[`rsa_ed25519_${kb}_ms`] = perOp(() => dkimSignatures(msg, [RSA, ED], Date.now()), 2000);
  result[`ed25519_only_${kb}_ms`] = perOp(() => dkimSignatures(msg, [ED], Date.now()), 2000);
}
result['rsa_key_parse_ms'] = perOp(() => createPrivateKey(rsaPem), 2000);
for (const [k, v] of Object.entries(result)) result[k] = Number(v.toFixed(3));
for (const [k, v] of Object.entries(result)) console.log(`${k.padEnd(24)} ${v} ms CPU`);
console.log(JSON.stringify(result));
