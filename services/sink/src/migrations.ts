import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMigrations, type Migration } from '@vigil/postgres';

/** `services/sink/migrations`: the store's tables, applied by `@vigil/postgres`'s runner. */
export const MIGRATIONS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../migrations');

/** The store's migrations in version order. */
export function sinkMigrations(): Migration[] {
  return loadMigrations(MIGRATIONS_DIR);
}
