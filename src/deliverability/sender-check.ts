// The send-path hook that refuses senders outside the tenant's domains (403), unless the
// operator (domains.allow_unverified_senders) or the tenant (allowUnverifiedSenders) allows it
// for development. Subdomains of an added domain are allowed (see domain/domains/sender.ts).
import { TxError } from '../domain/errors.js';
import { domainOf, type SendRequest } from '../domain/message/types.js';
import type { SendHooks } from '../ingress/send.js';
import type { DomainDirectory } from './directory.js';

export function senderDomainHook(directory: DomainDirectory, allowAll: boolean): SendHooks {
  return {
    check: async (tenantId: string, req: SendRequest) => {
      if (allowAll) return;
      const senders: Array<[path: string, domain: string]> = [['from', domainOf(req.from.address)]];
      if (req.envelopeFrom !== undefined && req.envelopeFrom !== '') senders.push(['envelope_from', domainOf(req.envelopeFrom)]);
      const outside: Array<[path: string, domain: string]> = [];
      for (const s of senders) if ((await directory.covering(tenantId, s[1])) === undefined) outside.push(s);
      if (outside.length === 0) return;
      if ((await directory.settingsOf(tenantId)).allowUnverifiedSenders === true) return;
      const domain = outside[0]![1];
      throw new TxError(
        'TX_ERR_SENDER_NOT_ALLOWED',
        `The sender domain ${domain} is not one of this account's sending domains. Add it with POST /v1/domains (and publish its DNS records) before sending from it.`,
        outside.map(([p, d]) => ({ path: p, message: `${d} is not a sending domain of this account` })),
      );
    },
  };
}
