import { booleanFromEnv, connectionEnv, durationFromEnv, intFromEnv, stageEnv, z } from '@vigil/config';
import { WRITE_METHODS } from './writer.ts';

/** A schema name the sink may set as search_path: plain identifiers only. */
export const schemaName = z
  .string()
  .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case SQL identifier such as public or vigil_store');

/** Settings shared by the sink service, the migration command and the store CLI. */
export const databaseEnv = {
  DATABASE_URL: connectionEnv.DATABASE_URL,
  SINK_DB_SCHEMA: schemaName.default('public'),
} as const;

/** Every sink setting; the README's options table lists the same names. */
export const sinkEnv = {
  ...stageEnv('SINK', { metricsPort: 9406 }),
  ...databaseEnv,
  SINK_MIGRATE: booleanFromEnv.default(true),
  SINK_DB_POOL_MAX: intFromEnv(1, 64).default(4),
  SINK_DB_STATEMENT_TIMEOUT: durationFromEnv.default(60_000),
  SINK_WRITE_METHOD: z.enum(WRITE_METHODS).default('auto'),
  SINK_COPY_THRESHOLD_ROWS: intFromEnv(1, 1_000_000).default(500),
} as const;

export type SinkConfig = Readonly<z.infer<z.ZodObject<typeof sinkEnv>>>;
