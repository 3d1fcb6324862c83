// The outbound preparer of txmail (queue/ports.ts): for each delivery, right before it is sent,
//
//   1. the envelope sender: the VERP return path b+<token>@bounce.<domain> when the sender's
//      domain is one of the tenant's (otherwise the message's own, e.g. unverified senders);
//   2. List-Unsubscribe + List-Unsubscribe-Post (RFC 8058) for bulk messages, or for every
//      message when the tenant asks, with a token naming this delivery;
//   3. DKIM signatures (d=<tenant domain>) over the final bytes, with every active key.
//
// Steps 1 and 2 are per recipient, so such messages go one recipient per transaction.
import type { Config } from '../config/schema.js';
import { hasBareLineEnds, toCrlf } from '../domain/dkim/canonical.js';
import { headerValue, splitHeaders } from '../domain/message/raw-headers.js';
import { dkimSignatures, type DkimSigningKey } from '../domain/dkim/sign.js';
import { keyType, signingKeys } from '../domain/domains/keys.js';
import { bounceDomain } from '../domain/domains/records.js';
import { addressDomain } from '../domain/domains/sender.js';
import { isBulk, listUnsubscribeFields, UNSUBSCRIBE_PURPOSE, unsubscribeUrl, wantsListUnsubscribe, type UnsubscribeClaim } from '../domain/feedback/unsubscribe.js';
import { mailtoUnsubscribeAddress, verpAddress } from '../domain/feedback/verp.js';
import { signToken } from '../domain/tokens.js';
import type { OutboundPreparer } from '../queue/ports.js';
import type { ClaimedDelivery, MessageForDelivery } from '../store/store.js';
import type { DomainDirectory } from './directory.js';
import type { FeedbackSecrets } from '../lib/secrets.js';

export interface PreparerDeps {
  readonly directory: DomainDirectory;
  readonly secrets: () => Promise<FeedbackSecrets>;
  readonly config: Pick<Config, 'public_url' | 'domains'>;
  readonly now: () => number;
}

interface MessagePlan {
  /** Set when the sender is on one of the tenant's domains: the VERP domain. */
  readonly bounceDomain: string | undefined;
  readonly keys: readonly DkimSigningKey[];
  readonly listUnsubscribe: boolean;
}

// The plan of a message is asked for by splitsRecipients and then by prepare, once per
// recipient; it is kept briefly so a message's headers and its tenant are read once.
const PLAN_CACHE = 1000;
const PLAN_TTL_MS = 10_000;

export class DeliverabilityPreparer implements OutboundPreparer {
  private readonly plans = new Map<string, { plan: Promise<MessagePlan>; until: number }>();

  constructor(private readonly deps: PreparerDeps) {}

  async splitsRecipients(msg: MessageForDelivery): Promise<boolean> {
    const p = await this.plan(msg);
    return p.bounceDomain !== undefined || p.listUnsubscribe;
  }

  async prepare(msg: MessageForDelivery, deliveries: readonly ClaimedDelivery[], raw: Buffer): Promise<{ from: string; raw: Buffer }> {
    const p = await this.plan(msg);
    const secrets = await this.deps.secrets();
    // One delivery per transaction whenever the plan has per-recipient parts (splitsRecipients).
    const one = deliveries.length === 1 ? deliveries[0] : undefined;
    let from = msg.envelopeFrom;
    if (one && p.bounceDomain) from = verpAddress(secrets.verp, one.id, p.bounceDomain) ?? from;
    let head = '';
    if (one && p.listUnsubscribe) {
      const claim: UnsubscribeClaim = { t: msg.tenantId, m: msg.id, d: one.id, a: one.recipient };
      const url = unsubscribeUrl(this.deps.config.public_url, signToken(secrets.unsubscribe, UNSUBSCRIBE_PURPOSE, claim));
      head = listUnsubscribeFields(url, p.bounceDomain ? mailtoUnsubscribeAddress(secrets.verp, one.id, p.bounceDomain) : undefined);
    }
    if (p.keys.length === 0) return { from, raw: head === '' ? raw : Buffer.concat([Buffer.from(head, 'latin1'), raw]) };
    // What a verifier hashes is what goes on the wire, where the SMTP client makes every line end CRLF.
    const text = raw.toString('latin1');
    const body = hasBareLineEnds(text) ? Buffer.from(toCrlf(text), 'latin1') : raw;
    const unsigned = head === '' ? body : Buffer.concat([Buffer.from(head, 'latin1'), body]);
    return { from, raw: Buffer.concat([Buffer.from(dkimSignatures(unsigned, p.keys, this.deps.now()), 'latin1'), unsigned]) };
  }

  private plan(msg: MessageForDelivery): Promise<MessagePlan> {
    const now = this.deps.now();
    const hit = this.plans.get(msg.id);
    if (hit && hit.until > now) return hit.plan;
    const plan = this.makePlan(msg);
    plan.catch(() => this.plans.delete(msg.id));
    this.plans.set(msg.id, { plan, until: now + PLAN_TTL_MS });
    if (this.plans.size > PLAN_CACHE) this.plans.delete(this.plans.keys().next().value!);
    return plan;
  }

  private async makePlan(msg: MessageForDelivery): Promise<MessagePlan> {
    const { lines } = splitHeaders(msg.raw);
    const header = (name: string): string | undefined => headerValue(lines, name);
    const fromValue = header('from');
    const fromDomain = fromValue === undefined ? undefined : addressDomain(fromValue);
    const [domain, settings] = await Promise.all([
      fromDomain === undefined ? undefined : this.deps.directory.covering(msg.tenantId, fromDomain),
      this.deps.directory.settingsOf(msg.tenantId),
    ]);
    const listUnsubscribe = wantsListUnsubscribe(settings.listUnsubscribe, isBulk(header('precedence')), header('list-unsubscribe') !== undefined);
    if (!domain) return { bounceDomain: undefined, keys: [], listUnsubscribe };
    const seal = (await this.deps.secrets()).seal;
    const keys = signingKeys(domain.keys, this.deps.now()).map((k) => ({
      domain: domain.name,
      selector: k.selector,
      type: keyType(k.algorithm),
      key: this.deps.directory.privateKey(k, seal),
    }));
    return { bounceDomain: bounceDomain({ domain: domain.name, bounceLabel: this.deps.config.domains.bounce_subdomain }), keys, listUnsubscribe };
  }
}
