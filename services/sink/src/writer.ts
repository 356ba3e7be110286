import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { VigilError } from '@vigil/errors';
import { databaseUnavailable, isDataError, sqlState } from '@vigil/postgres';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { copyTextRow } from './copy-text.ts';
import type { SinkMetrics } from './metrics.ts';
import {
  type Cell,
  finalCell,
  type SinkBatch,
  selectExpression,
  TABLE_NAMES,
  type TableName,
  type TableSpec,
  type TableWrite,
  tableWrites,
} from './tables.ts';

/**
 * `copy`: COPY into a per-connection temporary staging table, then
 * `INSERT … SELECT … ON CONFLICT DO NOTHING`. `insert`: one
 * `INSERT … SELECT FROM unnest($1::text[], …) ON CONFLICT DO NOTHING` per
 * table, a prepared statement with one array parameter per column. `auto`
 * (the default) takes `insert` for a table's rows below `copyThresholdRows`
 * and `copy` from there: bench/src/sink.ts measured unnest about twice as fast
 * for batches of 20 alerts, even at 100, and COPY ahead from about 1,000.
 */
export const WRITE_METHODS = ['auto', 'copy', 'insert'] as const;
export type WriteMethod = (typeof WRITE_METHODS)[number];

export interface WriteResult {
  /** Rows new to the store, by table. */
  inserted: Record<TableName, number>;
  /** Rows that were already stored (a replay), by table. */
  duplicates: Record<TableName, number>;
  partitionsCreated: number;
}

export interface StoreWriterOptions {
  method?: WriteMethod;
  /** With `auto`: a table write of at least this many rows uses COPY. Default 500. */
  copyThresholdRows?: number;
  metrics?: SinkMetrics;
}

const COPY_CHUNK_ROWS = 500;

function zeroCounts(): Record<TableName, number> {
  return { alerts: 0, scores: 0, incident_events: 0, labels: 0 };
}

/** PostgreSQL found no partition for a row: one was dropped since this writer created it. */
function isMissingPartition(error: unknown): boolean {
  return sqlState(error) === '23514' && /no partition/i.test((error as Error).message);
}

/** The UTC day (`YYYY-MM-DD`) of an epoch-millisecond time: the daily partition it belongs to. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function stageTable(table: TableSpec<unknown>): string {
  return `sink_stage_${table.name}`;
}

function columnList(table: TableSpec<unknown>): string {
  return table.columns.map((c) => c.name).join(', ');
}

function selectList(table: TableSpec<unknown>): string {
  return table.columns.map((c) => selectExpression(c)).join(', ');
}

/** COPY text of the rows, `staged` for the staging table or `final` for the target table itself. */
function* copyChunks(write: TableWrite, form: 'staged' | 'final'): Generator<string> {
  const { columns } = write.table;
  const cells: Cell[] = new Array(columns.length);
  let chunk = '';
  let inChunk = 0;
  for (const row of write.rows) {
    for (let i = 0; i < columns.length; i++) {
      const column = columns[i] as (typeof columns)[number];
      cells[i] = form === 'final' ? finalCell(column, row) : column.value(row);
    }
    chunk += copyTextRow(cells);
    if (++inChunk === COPY_CHUNK_ROWS) {
      yield chunk;
      chunk = '';
      inChunk = 0;
    }
  }
  if (chunk.length > 0) yield chunk;
}

/** Streams COPY text-format chunks into `table` (`columns` comma-separated) on `client`. */
export async function copyIn(
  client: pg.ClientBase,
  table: string,
  columns: string,
  chunks: Iterable<string>,
): Promise<void> {
  await pipeline(Readable.from(chunks), client.query(copyFrom(`COPY ${table} (${columns}) FROM STDIN`)));
}

/**
 * Writes whole Kafka batches to PostgreSQL: one transaction per batch, so the
 * caller acknowledges (and the loop commits offsets) only what is committed.
 * Every insert is `ON CONFLICT DO NOTHING` on the table's key, so writing the
 * same batch again, after a crash between commit and offset commit, adds no
 * rows. Daily partitions are created, in their own short transaction, before
 * the batch's transaction opens.
 *
 * Errors: PostgreSQL refusing the data (SQLSTATE class 22/23) is
 * VIGIL_SINK_REJECTED_ROW; anything else is the retriable
 * VIGIL_DATABASE_UNAVAILABLE. Nothing of a failed batch is committed.
 */
export class StoreWriter {
  readonly method: WriteMethod;
  private readonly copyThresholdRows: number;
  private readonly metrics: SinkMetrics | undefined;
  private readonly staged = new WeakSet<pg.ClientBase>();
  /** `table/day` partitions known to exist, so a batch of known days costs no extra round trip. */
  private readonly partitions = new Set<string>();

  constructor(
    private readonly pool: pg.Pool,
    options: StoreWriterOptions = {},
  ) {
    this.method = options.method ?? 'auto';
    this.copyThresholdRows = options.copyThresholdRows ?? 500;
    this.metrics = options.metrics;
  }

  async write(batch: SinkBatch): Promise<WriteResult> {
    const writes = tableWrites(batch).filter((w) => w.rows.length > 0);
    if (writes.length === 0) return { inserted: zeroCounts(), duplicates: zeroCounts(), partitionsCreated: 0 };
    const stopTimer = this.metrics?.writeSeconds.startTimer();
    let result: WriteResult;
    try {
      result = await this.attempt(writes);
    } catch (error) {
      if (!isMissingPartition(error)) throw this.classify(error);
      // Retention dropped a partition this writer remembered: forget them all and write once more.
      this.partitions.clear();
      try {
        result = await this.attempt(writes);
      } catch (again) {
        throw this.classify(again);
      }
    }
    stopTimer?.();
    this.count(result);
    return result;
  }

  private async attempt(writes: readonly TableWrite[]): Promise<WriteResult> {
    const result: WriteResult = { inserted: zeroCounts(), duplicates: zeroCounts(), partitionsCreated: 0 };
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw databaseUnavailable(error, 'connecting');
    }
    let broken = false;
    try {
      result.partitionsCreated = await this.ensurePartitions(client, writes);
      const methods = writes.map((w) => this.methodFor(w));
      if (methods.includes('copy')) await this.prepareStaging(client);
      await client.query('BEGIN');
      for (let i = 0; i < writes.length; i++) {
        const write = writes[i] as TableWrite;
        const name = write.table.name as TableName;
        const inserted =
          methods[i] === 'copy' ? await this.viaCopy(client, write) : await this.viaInsert(client, write);
        result.inserted[name] = inserted;
        result.duplicates[name] = write.rows.length - inserted;
      }
      await client.query('COMMIT');
      return result;
    } catch (error) {
      broken = await client
        .query('ROLLBACK')
        .then(() => false)
        .catch(() => true);
      throw error;
    } finally {
      // A connection that could not even roll back is dropped rather than reused.
      client.release(broken);
    }
  }

  private methodFor(write: TableWrite): 'copy' | 'insert' {
    if (this.method !== 'auto') return this.method;
    return write.rows.length >= this.copyThresholdRows ? 'copy' : 'insert';
  }

  /** Creates the daily partitions the batch's rows need that are not known yet; returns how many were new. */
  private async ensurePartitions(client: pg.ClientBase, writes: readonly TableWrite[]): Promise<number> {
    let created = 0;
    for (const write of writes) {
      const time = write.table.partitionTime;
      if (!time) continue;
      const days = new Set<string>();
      for (const row of write.rows) {
        const day = utcDay(time(row));
        if (!this.partitions.has(`${write.table.name}/${day}`)) days.add(day);
      }
      if (days.size === 0) continue;
      const answer = await client.query<{ created: number }>(
        'SELECT vigil_ensure_daily_partitions($1, $2::date[]) AS created',
        [write.table.name, [...days]],
      );
      for (const day of days) this.partitions.add(`${write.table.name}/${day}`);
      const count = answer.rows[0]?.created ?? 0;
      if (count > 0) this.metrics?.partitionsCreated.inc({ table: write.table.name }, count);
      created += count;
    }
    return created;
  }

  /** Temporary staging tables, once per connection, emptied at every commit or rollback. */
  private async prepareStaging(client: pg.ClientBase): Promise<void> {
    if (this.staged.has(client)) return;
    const statements = tableWrites({ scoredAlerts: [], incidents: [], labels: [] }).map(
      ({ table }) =>
        `CREATE TEMP TABLE IF NOT EXISTS ${stageTable(table)} (${table.columns
          .map((c) => `${c.name} ${c.stage}`)
          .join(', ')}) ON COMMIT DELETE ROWS`,
    );
    await client.query(statements.join(';\n'));
    this.staged.add(client);
  }

  /**
   * Optimistic first: COPY straight into the target table under a savepoint,
   * the fast path when no row is stored yet (the normal case). A key already
   * there (a replay, or the same key twice in the batch) fails that COPY with
   * 23505; then the savepoint is rolled back and the rows go through the
   * staging table and `ON CONFLICT DO NOTHING`.
   */
  private async viaCopy(client: pg.ClientBase, write: TableWrite): Promise<number> {
    await client.query('SAVEPOINT sink_direct_copy');
    try {
      await copyIn(client, write.table.name, columnList(write.table), copyChunks(write, 'final'));
      await client.query('RELEASE SAVEPOINT sink_direct_copy');
      return write.rows.length;
    } catch (error) {
      if (sqlState(error) !== '23505') throw error;
      await client.query('ROLLBACK TO SAVEPOINT sink_direct_copy');
    }
    const stage = stageTable(write.table);
    await copyIn(client, stage, columnList(write.table), copyChunks(write, 'staged'));
    const inserted = await client.query(
      `INSERT INTO ${write.table.name} (${columnList(write.table)}) SELECT ${selectList(write.table)} FROM ${stage} ON CONFLICT DO NOTHING`,
    );
    return inserted.rowCount ?? 0;
  }

  private async viaInsert(client: pg.ClientBase, write: TableWrite): Promise<number> {
    const { table } = write;
    const params = table.columns.map((column) => write.rows.map((row) => column.value(row)));
    const unnest = table.columns.map((c, i) => `$${i + 1}::${c.stage}[]`).join(', ');
    const result = await client.query({
      name: `vigil_sink_insert_${table.name}`,
      text: `INSERT INTO ${table.name} (${columnList(table)}) SELECT ${selectList(table)} FROM unnest(${unnest}) AS s(${columnList(table)}) ON CONFLICT DO NOTHING`,
      values: params,
    });
    return result.rowCount ?? 0;
  }

  private classify(error: unknown): VigilError {
    if (error instanceof VigilError) return error;
    if (isDataError(error)) {
      return new VigilError(
        'VIGIL_SINK_REJECTED_ROW',
        `PostgreSQL refused the rows (SQLSTATE ${sqlState(error)}): ${(error as Error).message}`,
        { cause: error, sqlState: sqlState(error) },
      );
    }
    return databaseUnavailable(error, 'writing a batch');
  }

  private count(result: WriteResult): void {
    if (!this.metrics) return;
    for (const table of TABLE_NAMES) {
      if (result.inserted[table] > 0) this.metrics.rowsWritten.inc({ table }, result.inserted[table]);
      if (result.duplicates[table] > 0) this.metrics.rowsDuplicate.inc({ table }, result.duplicates[table]);
    }
  }
}
