import type { Logger } from 'pino';
import type { DomainService } from '../../deliverability/service.js';
import type { Store } from '../../store/store.js';
import type { ApiKeyVerifier } from '../auth.js';
import type { SendService } from '../send.js';
import type { TemplateService } from '../templates.js';

export interface HttpLimits {
  readonly maxMessageBytes: number;
  readonly maxRecipients: number;
  /** Most recipients of one request in all, over every message of a batch (config `limits.max_request_recipients`). */
  readonly maxRequestRecipients: number;
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
  readonly templates: TemplateService;
  readonly keys: ApiKeyVerifier;
  readonly log: Logger;
  readonly now: () => number;
  readonly limits: HttpLimits;
  /** Resolves true when this process can take traffic (store reachable, roles started). */
  readonly ready: () => Promise<boolean>;
  /** Sending domains (/v1/domains); absent in processes built without them. */
  readonly domains?: DomainService;
  readonly eventsOut?: EventsOutOptions;
}
