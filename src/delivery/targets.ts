// The queue's TargetResolver port, served by the MX resolver in dns/. Kept apart so the
// queue's port types and the resolver do not import each other.
import type { Config } from '../config/schema.js';
import type { TargetResolver } from '../queue/ports.js';
import { mxResolverFromConfig } from './dns/mx-resolver.js';
import type { DnsPort } from './dns/dns-port.js';

export function createTargetResolver(config: Pick<Config, 'dns' | 'delivery'>, dns?: DnsPort): TargetResolver {
  return dns === undefined ? mxResolverFromConfig(config) : mxResolverFromConfig(config, dns);
}
