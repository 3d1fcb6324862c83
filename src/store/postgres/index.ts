// Placeholder until the PostgreSQL adapter lands.
import type { Store } from '../store.js';

export function openPostgresStore(_url: string): Promise<Store> {
  return Promise.reject(new Error('the PostgreSQL store is not built yet'));
}
