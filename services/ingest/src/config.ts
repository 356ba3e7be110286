import { connectionEnv, durationFromEnv, intFromEnv, stageEnv, z } from '@vigil/config';
import { INPUT_FORMAT_SETTINGS } from './core.ts';
import type { IngestSettings } from './handler.ts';

/** Every ingest setting; the README's options table lists the same names. */
export const ingestEnv = {
  ...stageEnv('INGEST', { metricsPort: 9401 }),
  REDIS_URL: connectionEnv.REDIS_URL,
  INGEST_INPUT_FORMAT: z.enum(INPUT_FORMAT_SETTINGS).default('auto'),
  INGEST_MAX_RECORD_BYTES: intFromEnv(64, 10_000_000).default(65_536),
  INGEST_MAX_AGE: durationFromEnv.default(30 * 86_400_000),
  INGEST_MAX_FUTURE: durationFromEnv.default(5 * 60_000),
  INGEST_MAX_SIGNALS: intFromEnv(1, 10_000).default(512),
  INGEST_MAX_TEXT_LENGTH: intFromEnv(1, 65_536).default(1024),
  INGEST_DEDUP_TTL: durationFromEnv.default(86_400_000),
  INGEST_REDIS_PREFIX: z.string().default('vigil:ingest:'),
} as const;

export type IngestConfig = Readonly<z.infer<z.ZodObject<typeof ingestEnv>>>;

/** The handler's settings, durations in milliseconds. */
export function ingestSettings(config: IngestConfig): IngestSettings {
  return {
    inputFormat: config.INGEST_INPUT_FORMAT,
    maxRecordBytes: config.INGEST_MAX_RECORD_BYTES,
    maxAgeMs: config.INGEST_MAX_AGE,
    maxFutureMs: config.INGEST_MAX_FUTURE,
    maxSignals: config.INGEST_MAX_SIGNALS,
    maxTextLength: config.INGEST_MAX_TEXT_LENGTH,
  };
}
