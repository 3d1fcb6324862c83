// The stored state of destinations, shared by every worker: a worker reads it when it first meets
// a destination and before it backs one off, so a destination found dead by one worker is backed
// off by all, and the failure count goes on from what any of them saw.
import type { Logger } from 'pino';
import { nextDeadState, type DeadBackoffPolicy, type DeadState } from '../domain/shaping/index.js';
import type { Store } from '../store/store.js';

export class DestinationStates {
  constructor(
    private readonly store: Store,
    private readonly policy: DeadBackoffPolicy,
    private readonly log: Logger,
  ) {}

  /** The stored back-off, or undefined when there is none (or the store cannot say). */
  async read(domain: string): Promise<DeadState | undefined> {
    try {
      return await this.store.getDestination(domain);
    } catch (err) {
      this.log.warn({ err, destination: domain }, 'reading the destination state failed');
      return undefined;
    }
  }

  /** The destination's next dead state after this worker found it dead; stored unless another worker's back-off was adopted. */
  async dead(domain: string, localFailures: number, now: number, text: string): Promise<DeadState> {
    const next = nextDeadState(await this.read(domain), localFailures, now, this.policy);
    if (next.adopted) return next;
    this.log.warn({ destination: domain, until: next.deadUntil, failures: next.failures, error: text }, 'destination dead: backing off');
    await this.store.putDestination({ domain, deadUntil: next.deadUntil, failures: next.failures, lastError: text });
    return next;
  }

  async alive(domain: string): Promise<void> {
    await this.store.putDestination({ domain, deadUntil: 0, failures: 0, lastError: null });
  }
}
