// The one send path: every ingress hands validated SendRequests to SendService.send(), which
// composes MIME, builds one delivery per recipient and commits them durably in one
// transaction before anything is acknowledged.
import { composeMime, messageIdFor, type ComposeInput } from '../compose/mime.js';
import { ensureIdentity } from '../compose/raw.js';
import { headerValue, splitHeaders } from '../domain/message/raw-headers.js';
import { TxError } from '../domain/errors.js';
import { findLongLine, longLineMessage } from '../domain/message/line-length.js';
import { domainOf, envelopeRecipients, type PartsContent, type SendRequest, type TrackingOptions } from '../domain/message/types.js';
import { deliveryIdFor, newMessageId } from '../lib/ids.js';
import type { AcceptOutcome, NewMessage, Store } from '../store/store.js';
import type { Ingress } from '../metrics/metrics.js';

export type { PartsContent } from '../domain/message/types.js';

export interface PersonalizeContext {
  readonly tenantId: string;
  readonly messageId: string;
  readonly recipients: ReadonlyArray<{ readonly deliveryId: string; readonly address: string }>;
  /** The request's own tracking switches (open/click tracking reads them over the tenant's). */
  readonly tracking?: TrackingOptions;
}

/** Features plug into the send path here instead of editing it. */
export interface SendHooks {
  /** Before anything is composed; throws a TxError to refuse (e.g. a sender domain the tenant has not verified). */
  readonly check?: (tenantId: string, req: SendRequest) => Promise<void>;
  /**
   * Per-recipient content (e.g. tracked links): gets one content per recipient and returns
   * one per recipient. Returning the same objects keeps one shared MIME for all.
   */
  readonly personalize?: (ctx: PersonalizeContext, contents: readonly PartsContent[]) => Promise<readonly PartsContent[]>;
}

export interface SendServiceDeps {
  readonly store: Store;
  readonly hostname: string;
  readonly now: () => number;
  readonly maxMessageBytes: number;
  readonly idempotencyTtlMs: number;
  /** Called after a commit so an in-process worker can claim at once (and metrics count it). */
  readonly onAccepted: (messages: number, ingress: Ingress | undefined) => void;
  readonly hooks?: readonly SendHooks[];
  /** MIME composition; the app passes a ComposePool's, which moves large messages off this thread. */
  readonly compose?: (input: ComposeInput) => Promise<Buffer>;
}

export interface SendOptions {
  readonly idempotency?: { readonly key: string; readonly requestHash: string };
  /** Which ingress took the request, for metrics. */
  readonly ingress?: Ingress;
}

export class SendService {
  private readonly compose: (input: ComposeInput) => Promise<Buffer>;

  constructor(private readonly deps: SendServiceDeps) {
    this.compose = deps.compose ?? composeMime;
  }

  /** Accepts one or more messages atomically; resolves after the durable commit. */
  async send(tenantId: string, requests: readonly SendRequest[], opts: SendOptions = {}): Promise<AcceptOutcome> {
    const now = this.deps.now();
    const messages = await this.prepare(tenantId, requests, now);
    let outcome: AcceptOutcome;
    try {
      outcome = await this.deps.store.acceptMessages({
        tenantId,
        messages,
        now,
        ...(opts.idempotency ? { idempotency: { ...opts.idempotency, expiresAt: now + this.deps.idempotencyTtlMs } } : {}),
      });
    } catch (e) {
      throw new TxError('TX_ERR_UNAVAILABLE', `The message could not be stored; nothing was accepted (${(e as Error).message}).`);
    }
    if (outcome.kind === 'accepted') this.deps.onAccepted(outcome.messages.length, opts.ingress);
    return outcome;
  }

  /**
   * Everything send() does short of storing: the hooks' checks (sender domain...), composition,
   * the size limit and per-recipient content. Resolves when the requests would be accepted;
   * throws the same TxError a send would (a sandbox mode answers with this).
   */
  async check(tenantId: string, requests: readonly SendRequest[]): Promise<void> {
    await this.prepare(tenantId, requests, this.deps.now());
  }

  private async prepare(tenantId: string, requests: readonly SendRequest[], now: number): Promise<NewMessage[]> {
    for (const h of this.deps.hooks ?? []) if (h.check) for (const r of requests) await hookCall(() => h.check!(tenantId, r));
    return Promise.all(requests.map((r) => this.build(tenantId, r, now)));
  }

  private async build(tenantId: string, req: SendRequest, now: number): Promise<NewMessage> {
    const id = newMessageId(now);
    let raw: Buffer;
    let messageIdHeader = messageIdFor(id, this.deps.hostname);
    let subject: string;
    let headerFrom: string;
    if (req.content.kind === 'parts') {
      raw = await this.compose({ from: req.from, to: req.to, cc: req.cc, content: req.content, messageIdHeader, date: now });
      subject = req.content.subject;
      headerFrom = req.from.address;
    } else {
      ({ raw, messageIdHeader } = ensureIdentity(req.content.raw, messageIdHeader, now));
      const { lines } = splitHeaders(raw);
      subject = headerValue(lines, 'subject') ?? '';
      headerFrom = headerValue(lines, 'from') ?? req.from.address;
    }
    if (raw.length > this.deps.maxMessageBytes) {
      throw new TxError('TX_ERR_TOO_LARGE', `The composed message is ${raw.length} bytes; the limit is ${this.deps.maxMessageBytes} bytes.`);
    }
    assertLineLengths(raw, req.content.kind === 'raw');
    const addresses = envelopeRecipients(req);
    const variants = req.content.kind === 'parts' ? await this.personalize(tenantId, id, addresses, req.content, req.recipientContents, req.tracking) : undefined;
    const recipients = await Promise.all(
      addresses.map(async (a, i) => ({
        deliveryId: deliveryIdFor(id, i),
        address: a.address,
        domain: domainOf(a.address),
        smtputf8: a.smtputf8,
        ...(variants?.[i] ? { raw: assertLineLengths(await this.compose({ from: req.from, to: req.to, cc: req.cc, content: variants[i]!, messageIdHeader, date: now }), false) } : {}),
      })),
    );
    const sendAt = req.sendAt !== undefined && req.sendAt > now ? req.sendAt : now;
    return {
      id,
      tenantId,
      messageIdHeader,
      envelopeFrom: req.envelopeFrom ?? req.from.address,
      headerFrom,
      subject,
      raw,
      tags: req.tags,
      metadata: req.metadata,
      createdAt: now,
      sendAt,
      recipients,
    };
  }

  /**
   * The request's own per-recipient contents, then the personalize hooks over them (so tracking
   * also applies to templated per-recipient content); undefined when every recipient keeps the
   * shared content.
   */
  private async personalize(
    tenantId: string,
    messageId: string,
    addresses: ReadonlyArray<{ readonly address: string }>,
    content: PartsContent,
    own: ReadonlyMap<string, PartsContent> | undefined,
    tracking: TrackingOptions | undefined,
  ): Promise<ReadonlyArray<PartsContent | undefined> | undefined> {
    const hooks = (this.deps.hooks ?? []).filter((h) => h.personalize);
    if (hooks.length === 0 && !own) return undefined;
    const ctx: PersonalizeContext = {
      tenantId,
      messageId,
      recipients: addresses.map((a, i) => ({ deliveryId: deliveryIdFor(messageId, i), address: a.address })),
      ...(tracking ? { tracking } : {}),
    };
    let contents: readonly PartsContent[] = addresses.map((a) => own?.get(a.address.toLowerCase()) ?? content);
    for (const h of hooks) contents = await hookCall(() => h.personalize!(ctx, contents));
    return contents.some((c) => c !== content) ? contents.map((c) => (c === content ? undefined : c)) : undefined;
  }
}

/**
 * No line over 998 octets leaves txmail. A finished message is the sender's to fix; a composed
 * one cannot have such a line once its fields are validated, so one here is our bug.
 */
function assertLineLengths(raw: Buffer, finished: boolean): Buffer {
  const long = findLongLine(raw);
  if (long === undefined) return raw;
  if (finished) throw new TxError('TX_ERR_LINE_TOO_LONG', `The message was refused: ${longLineMessage(long)}.`, [{ path: 'raw', message: longLineMessage(long) }]);
  throw new TxError('TX_ERR_INTERNAL', `The composed message has a line too long (${longLineMessage(long)}); nothing was accepted.`);
}

/**
 * Hooks read the store (domains, tenant settings): a refusal they throw is the caller's answer,
 * anything else means a dependency failed, and the caller should retry (503), not see a 500.
 */
async function hookCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof TxError) throw e;
    throw new TxError('TX_ERR_UNAVAILABLE', `The message could not be checked; nothing was accepted (${(e as Error).message}).`);
  }
}
