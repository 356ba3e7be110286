import { connectionEnv, durationFromEnv, intFromEnv, z } from '@vigil/config';
import { INPUT_FORMAT_SETTINGS } from './core.ts';

/** Every ingest setting; the README's options table lists the same names. */
export const ingestEnv = {
  KAFKA_BROKERS: connectionEnv.KAFKA_BROKERS,
  SCHEMA_REGISTRY_URL: connectionEnv.SCHEMA_REGISTRY_URL,
  REDIS_URL: connectionEnv.REDIS_URL,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
  INGEST_GROUP_ID: z.string().min(1).default('vigil-ingest'),
  INGEST_CLIENT_ID: z.string().min(1).default('vigil-ingest'),
  INGEST_INPUT_FORMAT: z.enum(INPUT_FORMAT_SETTINGS).default('auto'),
  INGEST_MAX_RECORD_BYTES: intFromEnv(64, 10_000_000).default(65_536),
  INGEST_MAX_AGE: durationFromEnv.default(30 * 86_400_000),
  INGEST_MAX_FUTURE: durationFromEnv.default(5 * 60_000),
  INGEST_MAX_SIGNALS: intFromEnv(1, 10_000).default(512),
  INGEST_MAX_TEXT_LENGTH: intFromEnv(1, 65_536).default(1024),
  INGEST_DEDUP_TTL: durationFromEnv.default(86_400_000),
  INGEST_REDIS_PREFIX: z.string().default('vigil:ingest:'),
  INGEST_MAX_BATCH_RECORDS: intFromEnv(1, 100_000).default(5_000),
  INGEST_RETRY_INITIAL: durationFromEnv.default(200),
  INGEST_RETRY_MAX: durationFromEnv.default(10_000),
  INGEST_SESSION_TIMEOUT: durationFromEnv.default(30_000),
  INGEST_METRICS_HOST: z.string().default('127.0.0.1'),
  INGEST_METRICS_PORT: intFromEnv(0, 65_535).default(9401),
  INGEST_SHUTDOWN_GRACE: durationFromEnv.default(15_000),
} as const;

export type IngestConfig = Readonly<z.infer<z.ZodObject<typeof ingestEnv>>>;
