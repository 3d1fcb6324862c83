import init from './0001_init.js';
import eventsOut from './0004_events_out.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/**
 * Applied in order; a migration never changes once released, a new one is added instead.
 * Versions may have gaps (features are numbered as they are planned, not as they land): the
 * runner applies every version not yet recorded, whatever came before it.
 */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'init', sql: init },
  { version: 4, name: 'events_out', sql: eventsOut },
];
