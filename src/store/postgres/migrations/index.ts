import init from './0001_init.js';
import templates from './0002_templates.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** Applied in order; a migration never changes once released, a new one is added instead. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'init', sql: init },
  { version: 2, name: 'templates', sql: templates },
];
