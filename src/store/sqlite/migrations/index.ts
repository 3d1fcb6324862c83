import init from './0001_init.js';

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
].sort((a, b) => a.version - b.version);
