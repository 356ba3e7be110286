import { databaseUnavailable, sqlState } from '@vigil/postgres';
import type pg from 'pg';
import { controlError } from './errors.ts';

/** Something queries run on: the pool, or a client inside a transaction. */
export type Queryable = Pick<pg.ClientBase, 'query'>;

/**
 * Runs `work` in one transaction: the change and its audit row commit together
 * or not at all. A unique violation is VIGIL_CONTROL_ALREADY_EXISTS; any other
 * failure of PostgreSQL itself the retriable VIGIL_DATABASE_UNAVAILABLE.
 */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw databaseUnavailable(error, 'connecting');
  }
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw mapDatabaseError(error);
  } finally {
    client.release();
  }
}

/** For reads outside a transaction: the same error mapping. */
export async function query<R extends pg.QueryResultRow>(
  db: Queryable,
  text: string,
  values: unknown[] = [],
): Promise<R[]> {
  try {
    return (await db.query<R>(text, values)).rows;
  } catch (error) {
    throw mapDatabaseError(error);
  }
}

function mapDatabaseError(error: unknown): unknown {
  if (sqlState(error) === '23505') {
    const detail = (error as { detail?: string }).detail ?? '';
    return controlError('VIGIL_CONTROL_ALREADY_EXISTS', `already exists: ${detail || (error as Error).message}`);
  }
  return databaseUnavailable(error, 'running a query');
}

/** A timestamptz as the API shows it. */
export function iso(value: Date | null): string | null {
  return value === null ? null : value.toISOString();
}
