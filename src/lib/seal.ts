// Secrets at rest (DESIGN invariant 6): DKIM private keys are stored sealed with AES-256-GCM
// under a key kept in the store's secrets table. The row id is bound in as associated data, so a
// sealed value copied onto another row does not open. A database dump alone still holds both
// halves; what this buys is that keys never appear in a row, a log line or an API body in the clear.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Store } from '../store/store.js';

const VERSION = 'v1';

export function newSealKey(): string {
  return randomBytes(32).toString('base64');
}

export function seal(key: Buffer, plaintext: string, aad: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(aad));
  const ct = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
  return [VERSION, iv.toString('base64'), c.getAuthTag().toString('base64'), ct.toString('base64')].join(':');
}

/** Throws when the value was altered, sealed under another key or for another row. */
export function unseal(key: Buffer, sealed: string, aad: string): string {
  const [v, iv, tag, ct] = sealed.split(':');
  if (v !== VERSION || !iv || !tag || ct === undefined) throw new Error('not a sealed value');
  const d = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
  d.setAAD(Buffer.from(aad));
  d.setAuthTag(Buffer.from(tag, 'base64'));
  return Buffer.concat([d.update(Buffer.from(ct, 'base64')), d.final()]).toString('utf8');
}

export async function sealKeyFrom(store: Store): Promise<Buffer> {
  return Buffer.from(await store.getOrCreateSecret('dkim-seal-key', newSealKey), 'base64');
}
