import { VigilError } from '@vigil/errors';
import pg from 'pg';

export interface PoolSettings {
  /** postgres:// URL. */
  url: string;
  /** Schema the tables live in: the only schema on the connections' search_path. */
  schema: string;
  /** Most connections the pool opens. */
  max?: number;
  /** A statement running longer is cancelled (SQLSTATE 57014, retriable). */
  statementTimeoutMs?: number;
  connectionTimeoutMs?: number;
  /** `application_name` of the connections, as pg_stat_activity shows it (vigil-sink, vigil-control). */
  applicationName: string;
}

/** Quotes an SQL identifier (schema or table name). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * A pg Pool whose every connection has `search_path` set to `schema`, so the
 * migrations and the queries name tables unqualified and a test can point a
 * whole service at a throw-away schema. The caller handles the pool's `error`
 * event (an idle connection that dies), as the services' `main.ts` do.
 */
export function createPool(settings: PoolSettings): pg.Pool {
  const options = [`-c search_path=${quoteIdent(settings.schema)}`];
  if (settings.statementTimeoutMs !== undefined) options.push(`-c statement_timeout=${settings.statementTimeoutMs}`);
  return new pg.Pool({
    connectionString: settings.url,
    max: settings.max ?? 4,
    connectionTimeoutMillis: settings.connectionTimeoutMs ?? 5_000,
    application_name: settings.applicationName,
    options: options.join(' '),
  });
}

/** SQLSTATE of a PostgreSQL error, if the error came from the server. */
export function sqlState(error: unknown): string | undefined {
  if (error instanceof pg.DatabaseError && typeof error.code === 'string') return error.code;
  return undefined;
}

/**
 * True when PostgreSQL refused the *data* (SQLSTATE class 22 "data exception"
 * or 23 "integrity constraint violation"): retrying the same rows cannot help.
 * Everything else (connection refused or lost, server shutting down, timeouts,
 * deadlocks, a missing table before the migrations ran) may pass by itself.
 */
export function isDataError(error: unknown): boolean {
  const state = sqlState(error);
  return state !== undefined && (state.startsWith('22') || state.startsWith('23'));
}

/** Wraps any database failure that is not a data error as the retriable VIGIL_DATABASE_UNAVAILABLE. */
export function databaseUnavailable(error: unknown, doing: string): VigilError {
  if (error instanceof VigilError) return error;
  const state = sqlState(error);
  const reason = error instanceof Error ? error.message : String(error);
  return new VigilError('VIGIL_DATABASE_UNAVAILABLE', `PostgreSQL failed while ${doing}: ${reason}`, {
    cause: error,
    ...(state === undefined ? {} : { sqlState: state }),
  });
}
