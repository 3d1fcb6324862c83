import type { Logger } from 'pino';
import type { Store } from '../../store/store.js';
import type { ApiKeyVerifier } from '../auth.js';
import type { SendService } from '../send.js';

export interface HttpLimits {
  readonly maxMessageBytes: number;
  readonly maxRecipients: number;
  readonly maxScheduleAheadMs: number;
}

/** What the webhook, stats and tracking routes need besides the store (issue 5). */
export interface EventsOutOptions {
  /** Most events per webhook POST (config `webhooks.max_batch`). */
  readonly maxBatch: number;
  /** Why a webhook URL's host may not be reached (egress filter, DNS), or undefined when it may. */
  readonly checkWebhookUrl: (url: string) => Promise<string | undefined>;
  /** A tenant's tracking setting changed (the send path caches it). */
  readonly onTrackingChanged: (tenantId: string) => void;
}

/** What the HTTP layer needs, passed in by app.ts; route plugins receive it as options. */
export interface HttpDeps {
  readonly store: Store;
  readonly send: SendService;
  readonly keys: ApiKeyVerifier;
  readonly log: Logger;
  readonly now: () => number;
  readonly limits: HttpLimits;
  /** Resolves true when this process can take traffic (store reachable, roles started). */
  readonly ready: () => Promise<boolean>;
  readonly eventsOut?: EventsOutOptions;
}
