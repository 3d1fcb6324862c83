// The life of a DKIM key, decided from its timestamps and the time (no stored state to drift):
//
//   pending ──its record is found in DNS (verify)──► active ──a successor activates──► retiring
//   retiring ──retire_at passes (rotation grace period)──► retired
//
// A new domain's first keys are active at once (a signature nobody can check yet costs
// nothing); a rotation's keys wait as pending until verify finds them published, so signing
// never switches to a selector that is not in DNS. Pending, active and retiring keys are
// published; a retired one can be removed from DNS.
import type { DkimKeyType } from '../dkim/record.js';

export type DkimAlgorithm = 'rsa-sha256' | 'ed25519-sha256';
export type KeyState = 'pending' | 'active' | 'retiring' | 'retired';

export interface DkimKeyFacts {
  readonly id: string;
  readonly selector: string;
  readonly algorithm: DkimAlgorithm;
  /** The p= value: base64 SPKI for RSA, the raw 32-byte key for Ed25519 (RFC 8463). */
  readonly publicKey: string;
  readonly createdAt: number;
  readonly activatedAt: number | null;
  readonly deactivatedAt: number | null;
  readonly retireAt: number | null;
}

export function keyType(a: DkimAlgorithm): DkimKeyType {
  return a === 'rsa-sha256' ? 'rsa' : 'ed25519';
}

export function keyState(k: DkimKeyFacts, now: number): KeyState {
  if (k.activatedAt === null) return 'pending';
  if (k.deactivatedAt === null) return 'active';
  return k.retireAt !== null && now >= k.retireAt ? 'retired' : 'retiring';
}

export const signingKeys = <K extends DkimKeyFacts>(keys: readonly K[], now: number): K[] => keys.filter((k) => keyState(k, now) === 'active');
export const pendingKeys = <K extends DkimKeyFacts>(keys: readonly K[], now: number): K[] => keys.filter((k) => keyState(k, now) === 'pending');
export const publishedKeys = <K extends DkimKeyFacts>(keys: readonly K[], now: number): K[] => keys.filter((k) => keyState(k, now) !== 'retired');

/** What signs a new domain's mail: RSA always (every verifier has it), Ed25519 beside it when asked. */
export type DkimChoice = 'rsa' | 'ed25519';

export function algorithmsFor(choice: DkimChoice): DkimAlgorithm[] {
  return choice === 'ed25519' ? ['rsa-sha256', 'ed25519-sha256'] : ['rsa-sha256'];
}

/**
 * Selectors for one generation of keys: `tx<yyyymmdd>-<random>` for RSA and the same with
 * `-ed` for Ed25519. The date tells an operator which record is newer; the random part keeps
 * two rotations on one day apart.
 */
export function selectorFor(algorithm: DkimAlgorithm, now: number, random: string): string {
  const d = new Date(now);
  const ymd = `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
  return `tx${ymd}-${random}${algorithm === 'ed25519-sha256' ? '-ed' : ''}`;
}

export interface KeySwitch {
  readonly activate: readonly string[];
  readonly deactivate: readonly string[];
  /** When the deactivated keys retire (may leave DNS). */
  readonly retireAt: number;
}

/**
 * After a verification: when every pending key's record was found correct, the pending keys
 * take over signing and the active ones retire after the grace period. Undefined otherwise.
 */
export function keySwitch(keys: readonly DkimKeyFacts[], publishedOk: ReadonlySet<string>, now: number, graceMs: number): KeySwitch | undefined {
  const pending = pendingKeys(keys, now);
  if (pending.length === 0 || !pending.every((k) => publishedOk.has(k.id))) return undefined;
  return { activate: pending.map((k) => k.id), deactivate: signingKeys(keys, now).map((k) => k.id), retireAt: now + graceMs };
}
