import { connectionEnv, durationFromEnv, intFromEnv, stageEnv, z } from '@vigil/config';

/** Every enrichment setting; the README's options table lists the same names. */
export const enrichmentEnv = {
  // ENRICHMENT_MAX_BATCH_RECORDS is kept small: a chunk's outputs go to Kafka in
  // one request, and enriched alerts are large (~3 KB with 10 signals); over the
  // broker's max.message.bytes (1 MB by default) the send is refused and retried
  // forever. See the README.
  ...stageEnv('ENRICHMENT', { metricsPort: 9402, maxBatchRecords: 1_000 }),
  REDIS_URL: connectionEnv.REDIS_URL,
  /** Path of the per-source feature config (JSON); unset = built-in defaults for every source. */
  ENRICHMENT_CONFIG: z.string().min(1).optional(),
  ENRICHMENT_REDIS_PREFIX: z.string().default('vigil:enrich:'),
  ENRICHMENT_STATE_TTL: durationFromEnv.default(7 * 86_400_000),
  ENRICHMENT_SNAPSHOT_TTL: durationFromEnv.default(3_600_000),
  ENRICHMENT_MAX_RECORDS_PER_CALL: intFromEnv(1, 10_000).default(500),
} as const;

export type EnrichmentConfig = Readonly<z.infer<z.ZodObject<typeof enrichmentEnv>>>;
