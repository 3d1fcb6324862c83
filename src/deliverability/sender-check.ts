// The send-path hook that refuses senders outside the tenant's proven domains. Every ingress
// goes through it, so one rule holds for /v1, SMTP submission, SendGrid, SES and Postmark:
//   - what is judged: the API's sender field (`from`; MAIL FROM over SMTP), the envelope
//     sender and, for a finished message (SMTP DATA, SES Raw), its From and Sender header
//     fields, which must be unambiguous (one From field with one address, at most one Sender);
//   - a sender's domain must be covered (itself or a parent, domain/domains/sender.ts) by a
//     claim of this tenant whose ownership a verification proved;
//   - the development switch (domains.allow_unverified_senders, tenant allowUnverifiedSenders)
//     also lets through domains not added or not verified, but never one that another tenant
//     claims (owned, or pending and not expired) while this tenant has no claim covering it.
import { authorDomains, messageAuthor } from '../domain/message/author.js';
import { isLiveClaim, selfAndParents } from '../domain/domains/ownership.js';
import { TxError } from '../domain/errors.js';
import { domainOf, type SendRequest } from '../domain/message/types.js';
import { splitHeaders } from '../domain/message/raw-headers.js';
import type { SendHooks } from '../ingress/send.js';
import type { Store } from '../store/store.js';
import type { DomainDirectory } from './directory.js';

export interface SenderCheckDeps {
  readonly directory: DomainDirectory;
  readonly store: Pick<Store, 'domainClaims'>;
  /** domains.allow_unverified_senders */
  readonly allowUnverified: boolean;
  readonly claimTtlMs: number;
  readonly now: () => number;
}

type Verdict = 'ok' | 'outside' | 'foreign' | 'pending';

interface Sender {
  readonly path: string;
  readonly domain: string;
}

/** The senders a request names, each with the field that names it. */
export function sendersOf(req: SendRequest): Sender[] {
  const out: Sender[] = [];
  if (req.content.kind === 'raw') {
    const author = messageAuthor(splitHeaders(req.content.raw).lines);
    if (author.errors.length > 0) throw new TxError('TX_ERR_VALIDATION', `Message refused: ${author.errors[0]!.message}`, author.errors);
    out.push(...authorDomains(author));
  }
  out.push({ path: 'from', domain: domainOf(req.from.address) });
  if (req.envelopeFrom !== undefined && req.envelopeFrom !== '') out.push({ path: 'envelope_from', domain: domainOf(req.envelopeFrom) });
  return out;
}

export function senderDomainHook(deps: SenderCheckDeps): SendHooks {
  const judge = async (tenantId: string, domain: string, dev: boolean): Promise<Verdict> => {
    const own = await deps.directory.covering(tenantId, domain);
    if (own && own.ownedAt !== null) return 'ok';
    if (!dev) return own ? 'pending' : 'outside';
    if (own) return 'ok';
    const now = deps.now();
    const claims = await deps.store.domainClaims(selfAndParents(domain));
    return claims.some((c) => c.tenantId !== tenantId && isLiveClaim(c, deps.claimTtlMs, now)) ? 'foreign' : 'ok';
  };

  return {
    check: async (tenantId: string, req: SendRequest) => {
      const senders = sendersOf(req);
      const dev = deps.allowUnverified || (await deps.directory.settingsOf(tenantId)).allowUnverifiedSenders === true;
      const verdicts = new Map<string, Verdict>();
      for (const s of senders) if (!verdicts.has(s.domain)) verdicts.set(s.domain, await judge(tenantId, s.domain, dev));
      const refused = senders.filter((s) => verdicts.get(s.domain) !== 'ok');
      if (refused.length === 0) return;
      const fields = refused.map((s) => ({ path: s.path, message: fieldMessage(s.domain, verdicts.get(s.domain)!) }));
      const worst = refused.find((s) => verdicts.get(s.domain) !== 'pending') ?? refused[0]!;
      const domain = worst.domain;
      switch (verdicts.get(domain)) {
        case 'pending':
          throw new TxError(
            'TX_ERR_SENDER_NOT_VERIFIED',
            `The sender domain ${domain} is not verified yet: publish its DNS records, then POST /v1/domains/{name}/verify; it can send once verified.`,
            fields,
          );
        case 'foreign':
          throw new TxError('TX_ERR_SENDER_NOT_ALLOWED', `The sender domain ${domain} belongs to another account.`, fields);
        default:
          throw new TxError(
            'TX_ERR_SENDER_NOT_ALLOWED',
            `The sender domain ${domain} is not one of this account's sending domains. Add it with POST /v1/domains (and publish its DNS records) before sending from it.`,
            fields,
          );
      }
    },
  };
}

function fieldMessage(domain: string, v: Verdict): string {
  if (v === 'pending') return `${domain} is not verified yet`;
  if (v === 'foreign') return `${domain} belongs to another account`;
  return `${domain} is not a sending domain of this account`;
}
