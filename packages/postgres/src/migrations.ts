import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VigilError } from '@vigil/errors';
import type { Lifecycle } from '@vigil/lifecycle';
import type { Logger } from '@vigil/logging';
import pg from 'pg';
import { databaseUnavailable, quoteIdent } from './pool.ts';

const FILE_NAME = /^(\d{3})_([a-z0-9_]+)\.sql$/;

export interface Migration {
  version: number;
  name: string;
  file: string;
  sql: string;
  /** sha256 of the file, stored when applied: an applied file must never change. */
  checksum: string;
}

export interface MigrationStatus {
  applied: number[];
  pending: Migration[];
}

export interface MigrateResult {
  applied: Migration[];
  alreadyApplied: number;
}

/** Reads `NNN_name.sql` files in version order; any other `.sql` name or a repeated number is an error. */
export function loadMigrations(dir: string): Migration[] {
  const migrations: Migration[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()) {
    const match = FILE_NAME.exec(file);
    if (!match) {
      throw new VigilError('VIGIL_DATABASE_MIGRATION_FAILED', `migration file ${file} is not named NNN_name.sql`, {
        file,
      });
    }
    const version = Number(match[1]);
    if (migrations.some((m) => m.version === version)) {
      throw new VigilError('VIGIL_DATABASE_MIGRATION_FAILED', `two migration files have version ${version}`, { file });
    }
    const sql = readFileSync(join(dir, file), 'utf8');
    const checksum = createHash('sha256').update(sql).digest('hex');
    migrations.push({ version, name: match[2] as string, file, sql, checksum });
  }
  return migrations;
}

const CREATE_TRACKING_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/** Compares what the database applied with the files; a changed or unknown applied migration is an error. */
function pendingAgainst(
  migrations: readonly Migration[],
  applied: readonly { version: number; checksum: string }[],
): Migration[] {
  const byVersion = new Map(migrations.map((m) => [m.version, m]));
  for (const row of applied) {
    const migration = byVersion.get(row.version);
    if (!migration) {
      throw new VigilError(
        'VIGIL_DATABASE_MIGRATION_FAILED',
        `the database has migration ${row.version}, which this code does not know (is the code older than the database?)`,
        { version: row.version },
      );
    }
    if (migration.checksum !== row.checksum) {
      throw new VigilError(
        'VIGIL_DATABASE_MIGRATION_FAILED',
        `migration ${migration.file} changed after it was applied; add a new migration instead`,
        { version: row.version },
      );
    }
  }
  const done = new Set(applied.map((row) => row.version));
  return migrations.filter((m) => !done.has(m.version));
}

async function appliedRows(client: pg.ClientBase): Promise<{ version: number; checksum: string }[]> {
  const exists = await client.query<{ found: string | null }>(`SELECT to_regclass('schema_migrations')::text AS found`);
  if (exists.rows[0]?.found == null) return [];
  const result = await client.query<{ version: number; checksum: string }>(
    'SELECT version, checksum FROM schema_migrations ORDER BY version',
  );
  return result.rows;
}

async function connect(pool: pg.Pool): Promise<pg.PoolClient> {
  try {
    return await pool.connect();
  } catch (error) {
    throw databaseUnavailable(error, 'connecting to run migrations');
  }
}

/** Which migrations the schema has applied and which are pending, without changing anything. */
export async function migrationStatus(pool: pg.Pool, migrations: readonly Migration[]): Promise<MigrationStatus> {
  const client = await connect(pool);
  try {
    const applied = await appliedRows(client);
    return { applied: applied.map((row) => row.version), pending: pendingAgainst(migrations, applied) };
  } catch (error) {
    throw databaseUnavailable(error, 'reading schema_migrations');
  } finally {
    client.release();
  }
}

/**
 * Applies the pending migrations to `schema` (created if missing), each in its
 * own transaction together with its `schema_migrations` row, so a failure
 * leaves the schema at the last whole migration. A session advisory lock per
 * schema makes a second runner wait and then find nothing to do. Running it
 * again is a no-op.
 */
export async function migrate(pool: pg.Pool, schema: string, migrations: readonly Migration[]): Promise<MigrateResult> {
  const client = await connect(pool);
  const lockKey = `vigil.migrations:${schema}`;
  let locked = false;
  try {
    try {
      // Lock first: two concurrent CREATE SCHEMA IF NOT EXISTS can still collide.
      await client.query('SELECT pg_advisory_lock(hashtext($1))', [lockKey]);
      locked = true;
      // Only when missing: CREATE SCHEMA checks the database's CREATE right even with IF NOT EXISTS.
      const found = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      if (found.rowCount === 0) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
      await client.query(CREATE_TRACKING_TABLE);
    } catch (error) {
      throw databaseUnavailable(error, 'preparing migrations');
    }
    let applied: { version: number; checksum: string }[];
    try {
      applied = await appliedRows(client);
    } catch (error) {
      throw databaseUnavailable(error, 'reading schema_migrations');
    }
    const pending = pendingAgainst(migrations, applied);
    for (const migration of pending) await applyOne(client, migration);
    return { applied: pending, alreadyApplied: applied.length };
  } finally {
    if (locked) await client.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]).catch(() => undefined);
    client.release();
  }
}

async function applyOne(client: pg.PoolClient, migration: Migration): Promise<void> {
  try {
    await client.query('BEGIN');
    await client.query(migration.sql);
    await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
      migration.version,
      migration.name,
      migration.checksum,
    ]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    // The server refused the SQL: the migration itself is wrong. Anything else is the connection.
    if (error instanceof pg.DatabaseError) {
      throw new VigilError('VIGIL_DATABASE_MIGRATION_FAILED', `migration ${migration.file} failed: ${error.message}`, {
        cause: error,
        version: migration.version,
        sqlState: error.code,
      });
    }
    throw databaseUnavailable(error, `applying ${migration.file}`);
  }
}

export interface PrepareSettings {
  schema: string;
  migrations: readonly Migration[];
  /** Apply what is pending; when false, only check. */
  migrate: boolean;
  /** Said when migrations are missing and `migrate` is false: how to apply them. */
  hint?: string;
}

/**
 * At a service's start: with `migrate`, apply what is pending (waiting for
 * PostgreSQL); without, refuse to run against a schema that misses migrations.
 */
export async function prepareSchema(
  pool: pg.Pool,
  settings: PrepareSettings,
  context: { logger: Logger; lifecycle: Lifecycle },
): Promise<void> {
  const { logger, lifecycle } = context;
  if (settings.migrate) {
    const result = await lifecycle.retryUntilReady('postgres', () =>
      migrate(pool, settings.schema, settings.migrations),
    );
    logger.info(
      { schema: settings.schema, applied: result.applied.map((m) => m.file), already: result.alreadyApplied },
      'migrations checked',
    );
    return;
  }
  const status = await lifecycle.retryUntilReady('postgres', () => migrationStatus(pool, settings.migrations));
  if (status.pending.length > 0) {
    throw new VigilError(
      'VIGIL_DATABASE_MIGRATION_FAILED',
      `schema ${settings.schema} misses migrations ${status.pending.map((m) => m.file).join(', ')}; ${settings.hint ?? 'apply them first'}`,
    );
  }
}
