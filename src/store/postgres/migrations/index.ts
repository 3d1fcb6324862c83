import init from './0001_init.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** Applied in order; a migration never changes once released, a new one is added instead. */
export const MIGRATIONS: readonly Migration[] = [{ version: 1, name: 'init', sql: init }];
