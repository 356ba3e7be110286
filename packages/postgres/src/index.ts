export {
  loadMigrations,
  type MigrateResult,
  type Migration,
  type MigrationStatus,
  migrate,
  migrationStatus,
  type PrepareSettings,
  prepareSchema,
} from './migrations.ts';
export {
  createPool,
  databaseUnavailable,
  isDataError,
  type PoolSettings,
  quoteIdent,
  sqlState,
} from './pool.ts';
