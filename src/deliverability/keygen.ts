// DKIM key generation: a new generation of keys (RSA, plus Ed25519 when the domain dual-signs),
// the private halves sealed before they leave this function.
import { generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { algorithmsFor, selectorFor, type DkimAlgorithm, type DkimChoice } from '../domain/domains/keys.js';
import { newShortId } from '../lib/ids.js';
import { seal } from '../lib/seal.js';
import type { DkimKeyRecord } from '../store/store.js';

const generate = promisify(generateKeyPair);

/** The p= value: SPKI DER for RSA (RFC 6376 §3.6.1), the raw 32-byte key for Ed25519 (RFC 8463 §4.2). */
export function publicKeyValue(algorithm: DkimAlgorithm, publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return (algorithm === 'ed25519-sha256' ? der.subarray(der.length - 32) : der).toString('base64');
}

async function pair(algorithm: DkimAlgorithm, rsaBits: number): Promise<{ publicKey: KeyObject; privateKey: KeyObject }> {
  // Asynchronous: an RSA key takes tens to hundreds of milliseconds, off the event loop.
  return algorithm === 'rsa-sha256' ? generate('rsa', { modulusLength: rsaBits }) : generate('ed25519');
}

export interface KeyGenOptions {
  readonly choice: DkimChoice;
  readonly rsaBits: number;
  readonly now: number;
  /** Active at once (a new domain) or pending until verified (a rotation). */
  readonly active: boolean;
  readonly sealKey: Buffer;
}

export async function generateDkimKeys(o: KeyGenOptions): Promise<DkimKeyRecord[]> {
  const random = newShortId(4);
  return Promise.all(
    algorithmsFor(o.choice).map(async (algorithm, i) => {
      const { publicKey, privateKey } = await pair(algorithm, o.rsaBits);
      const id = `dkim_${newShortId(16)}`;
      const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      return {
        id,
        selector: selectorFor(algorithm, o.now, random),
        algorithm,
        publicKey: publicKeyValue(algorithm, publicKey),
        privateKeySealed: seal(o.sealKey, pem, id),
        // Creation order is the generation order; the RSA key sorts first within one.
        createdAt: o.now + i,
        activatedAt: o.active ? o.now : null,
        deactivatedAt: null,
        retireAt: null,
      };
    }),
  );
}
