import { AvroCodec } from '@vigil/avro';
import { loadConfigOrExit } from '@vigil/config';
import { topicNames } from '@vigil/contracts';
import { Lifecycle } from '@vigil/lifecycle';
import { createLogger } from '@vigil/logging';
import { createMetricsRegistry } from '@vigil/metrics';
import { connectRedis, runStage } from '@vigil/service';
import { enrichmentEnv } from './config.ts';
import { FeatureConfig } from './feature-config.ts';
import { EnrichmentHandler } from './handler.ts';
import { createEnrichmentMetrics } from './metrics.ts';
import { RedisFeatureStore } from './store.ts';

const SERVICE = 'enrichment';

/** The per-source feature config, or every problem on stderr and exit 2, like the environment. */
function loadFeatureConfigOrExit(path: string | undefined): FeatureConfig {
  try {
    return FeatureConfig.load(path);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
}

/** Wiring only: config → logger → metrics → clients → handler → run loop. */
async function main(): Promise<void> {
  const config = loadConfigOrExit(enrichmentEnv);
  const features = loadFeatureConfigOrExit(config.ENRICHMENT_CONFIG);
  const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL });
  const lifecycle = new Lifecycle({ logger, graceMs: config.ENRICHMENT_SHUTDOWN_GRACE });
  const registry = createMetricsRegistry({ service: SERVICE });
  const topics = topicNames();

  const redis = connectRedis(config.REDIS_URL, { logger, lifecycle });
  const codec = new AvroCodec({ registryUrl: config.SCHEMA_REGISTRY_URL });
  await lifecycle.retryUntilReady('schema registry', () => codec.registerTopic(topics.alertsEnriched, 'vigil.Alert'));

  const handler = new EnrichmentHandler(
    { features, maxRecordsPerCall: config.ENRICHMENT_MAX_RECORDS_PER_CALL },
    {
      codec,
      store: new RedisFeatureStore(redis, {
        prefix: config.ENRICHMENT_REDIS_PREFIX,
        ttlMs: config.ENRICHMENT_STATE_TTL,
        snapshotTtlMs: config.ENRICHMENT_SNAPSHOT_TTL,
      }),
      topics,
      metrics: createEnrichmentMetrics(registry),
    },
  );

  await runStage({
    service: SERVICE,
    logger,
    lifecycle,
    registry,
    brokers: config.KAFKA_BROKERS,
    clientId: config.ENRICHMENT_CLIENT_ID,
    groupId: config.ENRICHMENT_GROUP_ID,
    inputs: [topics.alertsIngested],
    handler,
    retry: { initialMs: config.ENRICHMENT_RETRY_INITIAL, maxMs: config.ENRICHMENT_RETRY_MAX },
    maxBatchRecords: config.ENRICHMENT_MAX_BATCH_RECORDS,
    sessionTimeoutMs: config.ENRICHMENT_SESSION_TIMEOUT,
    health: { host: config.ENRICHMENT_METRICS_HOST, port: config.ENRICHMENT_METRICS_PORT },
    describe: { output: topics.alertsEnriched, sources: features.sourceNames() },
  });
}

await main();
