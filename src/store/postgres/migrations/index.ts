import init from './0001_init.js';
import templates from './0002_templates.js';
import deliverability from './0003_deliverability.js';
import eventsOut from './0004_events_out.js';
import liveness from './0006_liveness.js';
import domainOwnership from './0007_domain_ownership.js';
import cluster from './0005_cluster.js';
import canonicalAddresses from './0008_canonical_addresses.js';
import queueControl from './0009_queue_control.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/**
 * Applied in version order; a migration never changes once released, a new one is added instead.
 * Versions may have gaps (features merged in any order): the runner applies every version it has
 * not applied yet, a lower one added later included.
 */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'init', sql: init },
  { version: 2, name: 'templates', sql: templates },
  { version: 3, name: 'deliverability', sql: deliverability },
  { version: 4, name: 'events_out', sql: eventsOut },
  { version: 5, name: 'cluster', sql: cluster },
  { version: 6, name: 'liveness', sql: liveness },
  { version: 7, name: 'domain_ownership', sql: domainOwnership },
  { version: 8, name: 'canonical_addresses', sql: canonicalAddresses },
  { version: 9, name: 'queue_control', sql: queueControl },
].sort((a, b) => a.version - b.version);
