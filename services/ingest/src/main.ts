import { AvroCodec } from '@vigil/avro';
import { loadConfigOrExit } from '@vigil/config';
import { topicNames } from '@vigil/contracts';
import { Lifecycle } from '@vigil/lifecycle';
import { createLogger } from '@vigil/logging';
import { createMetricsRegistry } from '@vigil/metrics';
import { connectRedis, runStage } from '@vigil/service';
import { ingestEnv } from './config.ts';
import { RedisDedupStore } from './dedup.ts';
import { IngestHandler } from './handler.ts';
import { createIngestMetrics } from './metrics.ts';

const SERVICE = 'ingest';

/** Wiring only: config → logger → metrics → clients → handler → run loop. */
async function main(): Promise<void> {
  const config = loadConfigOrExit(ingestEnv);
  const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL });
  const lifecycle = new Lifecycle({ logger, graceMs: config.INGEST_SHUTDOWN_GRACE });
  const registry = createMetricsRegistry({ service: SERVICE });
  const topics = topicNames();

  const redis = connectRedis(config.REDIS_URL, { logger, lifecycle });
  const codec = new AvroCodec({ registryUrl: config.SCHEMA_REGISTRY_URL });
  await lifecycle.retryUntilReady('schema registry', () => codec.registerTopic(topics.alertsIngested, 'vigil.Alert'));

  const handler = new IngestHandler(
    {
      inputFormat: config.INGEST_INPUT_FORMAT,
      maxRecordBytes: config.INGEST_MAX_RECORD_BYTES,
      maxAgeMs: config.INGEST_MAX_AGE,
      maxFutureMs: config.INGEST_MAX_FUTURE,
      maxSignals: config.INGEST_MAX_SIGNALS,
      maxTextLength: config.INGEST_MAX_TEXT_LENGTH,
    },
    {
      codec,
      dedup: new RedisDedupStore(redis, {
        prefix: config.INGEST_REDIS_PREFIX,
        ttlSeconds: Math.ceil(config.INGEST_DEDUP_TTL / 1000),
      }),
      topics,
      metrics: createIngestMetrics(registry),
    },
  );

  await runStage({
    service: SERVICE,
    logger,
    lifecycle,
    registry,
    brokers: config.KAFKA_BROKERS,
    clientId: config.INGEST_CLIENT_ID,
    groupId: config.INGEST_GROUP_ID,
    inputs: [topics.telemetryRaw],
    handler,
    retry: { initialMs: config.INGEST_RETRY_INITIAL, maxMs: config.INGEST_RETRY_MAX },
    maxBatchRecords: config.INGEST_MAX_BATCH_RECORDS,
    sessionTimeoutMs: config.INGEST_SESSION_TIMEOUT,
    health: { host: config.INGEST_METRICS_HOST, port: config.INGEST_METRICS_PORT },
    describe: { output: topics.alertsIngested },
  });
}

await main();
