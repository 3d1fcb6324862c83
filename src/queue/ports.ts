// What the queue needs from the world, as interfaces: the app wires real implementations,
// tests may wire their own.
import type { BounceReason } from '../domain/bounce/classify.js';
import type { ClaimedDelivery, MessageForDelivery } from '../store/store.js';
import type { ConnectResult, SessionTarget } from '../delivery/smtp-session.js';

export type TargetPlan =
  | { readonly kind: 'targets'; readonly targets: readonly SessionTarget[] }
  | { readonly kind: 'fail'; readonly permanent: boolean; readonly reason: BounceReason; readonly text: string };

export interface TargetResolver {
  resolve(domain: string, now: number): Promise<TargetPlan>;
}

export interface Connector {
  open(target: SessionTarget): Promise<ConnectResult>;
}

/** Per-transaction finishing of a message: envelope sender (VERP) and bytes (DKIM, List-Unsubscribe). */
export interface OutboundPreparer {
  /**
   * True when each recipient needs a transaction of its own (per-recipient envelope or headers).
   * May be asynchronous: the answer can depend on the tenant's domains and settings.
   */
  splitsRecipients(msg: MessageForDelivery): boolean | Promise<boolean>;
  prepare(msg: MessageForDelivery, deliveries: readonly ClaimedDelivery[], raw: Buffer): Promise<{ from: string; raw: Buffer }>;
}

export const passThroughPreparer: OutboundPreparer = {
  splitsRecipients: () => false,
  prepare: async (msg, _d, raw) => ({ from: msg.envelopeFrom, raw }),
};

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
