// Turns what arrives at the bounce listener and the unsubscribe URLs into store writes: a DSN
// bounces its delivery (hard bounces suppress the address), an ARF complaint and an unsubscribe
// record their event and suppress. Which delivery is always decided by a signed token (the VERP
// address, the mailto address, the URL), never by the report's body.
import type { Logger } from 'pino';
import { parseArf, type ParsedArf } from '../domain/bounce/arf.js';
import { parseBounce } from '../domain/bounce/bounce.js';
import type { NewEvent } from '../domain/events/types.js';
import { sesBounce } from '../domain/bounce/vocabulary.js';
import { bounceDecision, dataReply, isComplaint, rcptReply, type BounceDecision } from '../domain/feedback/inbound.js';
import { isUnsubscribeClaim, UNSUBSCRIBE_PURPOSE, type UnsubscribeClaim } from '../domain/feedback/unsubscribe.js';
import { parseFeedbackAddress, verpDeliveriesIn, type FeedbackAddress } from '../domain/feedback/verp.js';
import type { SmtpReply } from '../domain/smtp/reply.js';
import { verifyToken } from '../domain/tokens.js';
import type { FeedbackSecrets } from '../lib/secrets.js';
import type { DeliveryRef, FeedbackResult, Store, Suppression } from '../store/store.js';

export type InboundResult = FeedbackResult | 'ignored' | 'unrecognised';

export interface FeedbackDeps {
  readonly store: Store;
  readonly secrets: () => Promise<FeedbackSecrets>;
  readonly bounceLabel: string;
  readonly now: () => number;
  readonly log: Logger;
}

export class FeedbackProcessor {
  constructor(private readonly deps: FeedbackDeps) {}

  /** Classifies an RCPT TO address; the reply is undefined when it is accepted. */
  async recipient(address: string): Promise<{ address: FeedbackAddress; reply: SmtpReply | undefined }> {
    const a = parseFeedbackAddress((await this.deps.secrets()).verp, address, this.deps.bounceLabel);
    return { address: a, reply: rcptReply(a, address) };
  }

  /** Handles one received message for its accepted recipients; the reply to the final dot. */
  async inbound(recipients: readonly FeedbackAddress[], raw: Buffer): Promise<SmtpReply> {
    // Parsed lazily and once: most reports are for one recipient and one kind.
    let arf: ParsedArf | undefined | null = null;
    const arfOf = (): ParsedArf | undefined => (arf === null ? (arf = parseArf(raw)) : arf);
    const results: InboundResult[] = [];
    for (const r of recipients) {
      if (r.kind === 'bounce') results.push(await this.report(r.deliveryId, raw, arfOf()));
      else if (r.kind === 'unsubscribe') results.push(await this.unsubscribeDelivery(r.deliveryId, 'mailto'));
      else if (r.kind === 'fbl') results.push(await this.feedbackLoop(raw, arfOf()));
    }
    return dataReply(results);
  }

  /** A message at a VERP address: a complaint report, a bounce report, or neither. */
  private async report(deliveryId: string, raw: Buffer, arf: ParsedArf | undefined): Promise<InboundResult> {
    const ref = await this.deps.store.getDeliveryRef(deliveryId);
    if (!ref) return 'unknown_delivery';
    if (arf) return this.complaint(ref, arf);
    const report = parseBounce(raw);
    if (!report) return 'unrecognised';
    const d = bounceDecision(report, ref.recipient);
    if (d.kind === 'ignore') {
      this.deps.log.info({ delivery: ref.id, why: d.why }, 'bounce report ignored');
      return 'ignored';
    }
    const at = this.deps.now();
    if (d.kind === 'delayed') return this.delayed(ref, d, at);
    const event: NewEvent = {
      type: 'bounced',
      messageId: ref.messageId,
      deliveryId: ref.id,
      recipient: ref.recipient,
      at,
      data: {
        reply: d.reply,
        attempt: ref.attempts,
        class: d.class,
        reason: d.reason,
        ...sesBounce(d.class, d.reason),
        source: 'dsn',
        status: d.status,
        ...(d.reportingMta !== undefined ? { reporting_mta: d.reportingMta } : {}),
        ...(d.remoteMta !== undefined ? { remote_mta: d.remoteMta } : {}),
      },
    };
    const result = await this.deps.store.recordFeedback({
      tenantId: ref.tenantId,
      deliveryId: ref.id,
      event,
      bounce: { class: d.class, reason: d.reason, reply: d.reply },
      // DESIGN "Bounce classes": only a hard bounce adds the address to the suppression list.
      ...(d.class === 'hard' ? { suppression: this.suppression(ref, 'hard_bounce', at) } : {}),
    });
    this.deps.log.info({ message: ref.messageId, delivery: ref.id, class: d.class, reason: d.reason, result }, 'asynchronous bounce');
    return result;
  }

  /** A delay notice: a `deferred` event only. The delivery keeps its state; nobody is suppressed. */
  private async delayed(ref: DeliveryRef, d: Extract<BounceDecision, { kind: 'delayed' }>, at: number): Promise<InboundResult> {
    const result = await this.deps.store.recordFeedback({
      tenantId: ref.tenantId,
      deliveryId: ref.id,
      event: {
        type: 'deferred',
        messageId: ref.messageId,
        deliveryId: ref.id,
        recipient: ref.recipient,
        at,
        data: {
          reply: d.reply,
          attempt: ref.attempts,
          reason: d.reason,
          source: 'dsn',
          status: d.status,
          ...(d.reportingMta !== undefined ? { reporting_mta: d.reportingMta } : {}),
          ...(d.remoteMta !== undefined ? { remote_mta: d.remoteMta } : {}),
        },
      },
    });
    this.deps.log.info({ message: ref.messageId, delivery: ref.id, reason: d.reason, result }, 'delay notice');
    return result;
  }

  private async complaint(ref: DeliveryRef, arf: ParsedArf): Promise<InboundResult> {
    if (!isComplaint(arf)) return 'ignored';
    const at = this.deps.now();
    const result = await this.deps.store.recordFeedback({
      tenantId: ref.tenantId,
      deliveryId: ref.id,
      event: {
        type: 'complained',
        messageId: ref.messageId,
        deliveryId: ref.id,
        recipient: ref.recipient,
        at,
        data: {
          feedback_type: arf.feedbackTypeRaw,
          source: 'arf',
          ...(arf.userAgent !== undefined ? { user_agent: arf.userAgent } : {}),
          ...(arf.reportingMta !== undefined ? { reporting_mta: arf.reportingMta } : {}),
        },
      },
      suppression: this.suppression(ref, 'complaint', at),
    });
    this.deps.log.info({ message: ref.messageId, delivery: ref.id, feedback: arf.feedbackTypeRaw, result }, 'complaint');
    return result;
  }

  /** A feedback-loop report at fbl@: the original return path inside names the delivery. */
  private async feedbackLoop(raw: Buffer, arf: ParsedArf | undefined): Promise<InboundResult> {
    if (!arf) return 'unrecognised';
    const ids = verpDeliveriesIn((await this.deps.secrets()).verp, raw.toString('latin1'));
    if (ids.length === 0) return 'unrecognised';
    let last: InboundResult = 'unknown_delivery';
    for (const id of ids) {
      const ref = await this.deps.store.getDeliveryRef(id);
      if (ref) last = await this.complaint(ref, arf);
    }
    return last;
  }

  private async unsubscribeDelivery(deliveryId: string, source: 'mailto'): Promise<InboundResult> {
    const ref = await this.deps.store.getDeliveryRef(deliveryId);
    if (!ref) return 'unknown_delivery';
    return this.unsubscribe({ t: ref.tenantId, m: ref.messageId, d: ref.id, a: ref.recipient }, source);
  }

  /** The claim of an unsubscribe URL token, or undefined when it was tampered with or forged. */
  async claim(token: string): Promise<UnsubscribeClaim | undefined> {
    const v = verifyToken<unknown>((await this.deps.secrets()).unsubscribe, UNSUBSCRIBE_PURPOSE, token);
    return isUnsubscribeClaim(v) ? v : undefined;
  }

  async unsubscribe(c: UnsubscribeClaim, source: 'one_click' | 'page' | 'mailto'): Promise<FeedbackResult> {
    const at = this.deps.now();
    const result = await this.deps.store.recordFeedback({
      tenantId: c.t,
      deliveryId: c.d,
      event: { type: 'unsubscribed', messageId: c.m, deliveryId: c.d, recipient: c.a, at, data: { source } },
      suppression: { tenantId: c.t, address: c.a.toLowerCase(), reason: 'unsubscribe', sourceMessageId: c.m, createdAt: at },
    });
    this.deps.log.info({ message: c.m, delivery: c.d, source, result }, 'unsubscribed');
    return result;
  }

  private suppression(ref: DeliveryRef, reason: 'hard_bounce' | 'complaint', at: number): Suppression {
    return { tenantId: ref.tenantId, address: ref.recipient.toLowerCase(), reason, sourceMessageId: ref.messageId, createdAt: at };
  }
}
