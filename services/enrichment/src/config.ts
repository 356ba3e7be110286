import { connectionEnv, durationFromEnv, intFromEnv, z } from '@vigil/config';

/** Every enrichment setting; the README's options table lists the same names. */
export const enrichmentEnv = {
  KAFKA_BROKERS: connectionEnv.KAFKA_BROKERS,
  SCHEMA_REGISTRY_URL: connectionEnv.SCHEMA_REGISTRY_URL,
  REDIS_URL: connectionEnv.REDIS_URL,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
  ENRICHMENT_GROUP_ID: z.string().min(1).default('vigil-enrichment'),
  ENRICHMENT_CLIENT_ID: z.string().min(1).default('vigil-enrichment'),
  /** Path of the per-source feature config (JSON); unset = built-in defaults for every source. */
  ENRICHMENT_CONFIG: z.string().min(1).optional(),
  ENRICHMENT_REDIS_PREFIX: z.string().default('vigil:enrich:'),
  ENRICHMENT_STATE_TTL: durationFromEnv.default(7 * 86_400_000),
  ENRICHMENT_SNAPSHOT_TTL: durationFromEnv.default(3_600_000),
  ENRICHMENT_MAX_RECORDS_PER_CALL: intFromEnv(1, 10_000).default(500),
  // Kept small: a chunk's outputs go to Kafka in one request, and enriched alerts
  // are large (~3 KB with 10 signals); over the broker's max.message.bytes (1 MB by
  // default) the send is refused and retried forever. See the README.
  ENRICHMENT_MAX_BATCH_RECORDS: intFromEnv(1, 100_000).default(1_000),
  ENRICHMENT_SESSION_TIMEOUT: durationFromEnv.default(30_000),
  ENRICHMENT_RETRY_INITIAL: durationFromEnv.default(200),
  ENRICHMENT_RETRY_MAX: durationFromEnv.default(10_000),
  ENRICHMENT_METRICS_HOST: z.string().default('127.0.0.1'),
  ENRICHMENT_METRICS_PORT: intFromEnv(0, 65_535).default(9402),
  ENRICHMENT_SHUTDOWN_GRACE: durationFromEnv.default(15_000),
} as const;

export type EnrichmentConfig = Readonly<z.infer<z.ZodObject<typeof enrichmentEnv>>>;
