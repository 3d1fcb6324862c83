// The process-wide secrets of deliverability, shared by every process through the store:
// the DKIM seal key and the MAC keys of VERP/mailto tokens and unsubscribe URLs.
import { newSecret } from './ids.js';
import { sealKeyFrom } from './seal.js';
import type { Store } from '../store/store.js';

export interface FeedbackSecrets {
  /** AES-256 key sealing DKIM private keys at rest. */
  readonly seal: Buffer;
  /** MAC key of VERP and mailto-unsubscribe addresses. */
  readonly verp: string;
  /** MAC key of unsubscribe URL tokens. */
  readonly unsubscribe: string;
}

/** Loads (creating on first use) the secrets; the promise is kept, so each process reads them once. */
export function secretsLoader(store: Store): () => Promise<FeedbackSecrets> {
  let p: Promise<FeedbackSecrets> | undefined;
  return () => {
    p ??= (async () => ({
      seal: await sealKeyFrom(store),
      verp: await store.getOrCreateSecret('verp-token-key', () => newSecret(32)),
      unsubscribe: await store.getOrCreateSecret('unsubscribe-token-key', () => newSecret(32)),
    }))();
    p.catch(() => (p = undefined));
    return p;
  };
}
