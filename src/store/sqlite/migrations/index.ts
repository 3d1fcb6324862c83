import init from './0001_init.js';
import templates from './0002_templates.js';
import deliverability from './0003_deliverability.js';
import eventsOut from './0004_events_out.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/**
 * Applied in version order; a migration never changes once released, a new one is added
 * instead. Numbers are reserved per feature, so a gap (0002 before it lands) is expected: each
 * version is applied once whenever it appears, whatever came before it.
 */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'init', sql: init },
  { version: 2, name: 'templates', sql: templates },
  { version: 3, name: 'deliverability', sql: deliverability },
  { version: 4, name: 'events_out', sql: eventsOut },
];
