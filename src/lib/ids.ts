// Identifiers: time-ordered (ULID layout: 48-bit ms time + 80 random bits, Crockford base32)
// so that new rows land at the end of B-tree indexes in both stores.
import { randomBytes, randomFillSync } from 'node:crypto';

const B32 = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const pool = Buffer.alloc(4096);
let poolPos = pool.length;

function random(n: number): Buffer {
  if (poolPos + n > pool.length) {
    randomFillSync(pool);
    poolPos = 0;
  }
  const out = pool.subarray(poolPos, poolPos + n);
  poolPos += n;
  return out;
}

export function ulid(now: number): string {
  let s = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    s = B32[t % 32]! + s;
    t = Math.floor(t / 32);
  }
  const r = random(10);
  // 80 bits → 16 base32 characters, 5 bits at a time.
  let acc = 0;
  let bits = 0;
  for (const byte of r) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      s += B32[(acc >> bits) & 31]!;
    }
    acc &= (1 << bits) - 1;
  }
  return s;
}

export const newMessageId = (now: number): string => `msg_${ulid(now)}`;
export const newTenantId = (now: number): string => `ten_${ulid(now)}`;
export const deliveryIdFor = (messageId: string, index: number): string => `${messageId}.${index}`;

/** A secret for API keys and signing: 32 random bytes, base64url. */
export function newSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** A short random identifier in base32 (lower case), e.g. for API key ids. */
export function newShortId(chars = 16): string {
  const r = randomBytes(chars);
  let s = '';
  for (const b of r) s += B32[b & 31]!;
  return s.toLowerCase();
}

/**
 * A template id: `d-` and 32 hex digits, the shape of a SendGrid dynamic template id, since
 * @sendgrid/mail only sends dynamic_template_data for ids starting with `d-`. The first 12
 * digits are the time (ms), so new rows still land at the end of the index.
 */
export function newTemplateId(now: number): string {
  return `d-${now.toString(16).padStart(12, '0').slice(-12)}${random(10).toString('hex')}`;
}
