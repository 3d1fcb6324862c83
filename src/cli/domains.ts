// `txmail domains ...`: the /v1/domains operations from the command line, on the store the
// configuration names. A running txmail sees changes within domains.cache_s.
import type { Config } from '../config/schema.js';
import { createNodeDnsPort } from '../delivery/dns/dns-port.js';
import { DomainService } from '../deliverability/service.js';
import { keyState } from '../domain/domains/keys.js';
import type { ExpectedRecord } from '../domain/domains/records.js';
import type { RecordCheck } from '../domain/domains/verify.js';
import { TxError } from '../domain/errors.js';
import { ensureDefaultTenant } from '../bootstrap.js';
import { sealKeyFrom } from '../lib/seal.js';
import type { SendingDomain, Store } from '../store/store.js';

export interface DomainsCommand {
  readonly action: string;
  readonly name: string | undefined;
  readonly tenant: string | undefined;
  readonly ed25519: boolean;
}

function printRecords(out: NodeJS.WritableStream, records: readonly (ExpectedRecord | RecordCheck)[]): void {
  for (const r of records) {
    const status = 'status' in r ? `  [${r.status}${r.problem ? `: ${r.problem}` : ''}]` : '';
    out.write(`${r.required ? ' ' : '?'} ${r.type.padEnd(5)} ${r.name}  ${r.type === 'MX' ? `${r.priority ?? 10} ` : ''}${r.value}${status}\n`);
    if ('status' in r && r.status !== 'ok' && r.found.length > 0) out.write(`        found: ${r.found.join(' | ')}\n`);
  }
  out.write('(? = optional)\n');
}

function printDomain(out: NodeJS.WritableStream, d: SendingDomain, now: number): void {
  out.write(`${d.name}  verified: ${d.lastCheck?.verified ? 'yes' : 'no'}${d.lastCheck ? ` (checked ${new Date(d.lastCheck.at).toISOString()})` : ''}  owned: ${d.ownedAt === null ? 'no (cannot send until verified)' : 'yes'}\n`);
  for (const k of d.keys) out.write(`  key ${k.selector} ${k.algorithm} ${keyState(k, now)}\n`);
}

export async function domainsCommand(store: Store, config: Config, cmd: DomainsCommand, out: NodeJS.WritableStream): Promise<number> {
  const now = Date.now();
  const tenantId = cmd.tenant ?? (await ensureDefaultTenant(store, now)).tenant.id;
  const svc = new DomainService({ store, dns: createNodeDnsPort(config.dns), config, now: () => Date.now(), sealKey: () => sealKeyFrom(store) });
  const need = (): string => {
    if (!cmd.name) throw new TxError('TX_ERR_VALIDATION', `domains ${cmd.action} needs a domain name`);
    return cmd.name;
  };
  try {
    switch (cmd.action) {
      case 'add': {
        const d = await svc.add(tenantId, need(), cmd.ed25519 ? 'ed25519' : 'rsa');
        out.write(`added ${d.name}; publish these records, then run: txmail domains verify ${d.name}\n`);
        printRecords(out, svc.records(d));
        return 0;
      }
      case 'list':
        for (const d of await svc.list(tenantId)) printDomain(out, d, now);
        return 0;
      case 'show': {
        const d = await svc.get(tenantId, need());
        printDomain(out, d, now);
        printRecords(out, svc.records(d));
        return 0;
      }
      case 'verify': {
        const r = await svc.verify(tenantId, need());
        printDomain(out, r.domain, now);
        printRecords(out, r.check.records);
        if (r.switched) out.write('DKIM signing switched to the new keys; the previous ones retire after the grace period.\n');
        return r.check.verified ? 0 : 1;
      }
      case 'rotate': {
        const d = await svc.rotate(tenantId, need());
        out.write(`new DKIM keys for ${d.name}: publish them beside the current ones, then verify to switch signing\n`);
        printRecords(out, svc.records(d).filter((r) => r.purpose === 'dkim'));
        return 0;
      }
      case 'remove':
        await svc.remove(tenantId, need());
        out.write(`removed ${cmd.name}\n`);
        return 0;
      default:
        out.write(`unknown domains command ${cmd.action}\n`);
        return 2;
    }
  } catch (e) {
    if (e instanceof TxError) {
      out.write(`${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
