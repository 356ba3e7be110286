import { AvroCodec } from '@vigil/avro';
import { topicNames } from '@vigil/contracts';
import { Lifecycle } from '@vigil/lifecycle';
import { createLogger } from '@vigil/logging';
import { createMetricsRegistry } from '@vigil/metrics';
import { runStage } from '@vigil/service';
import { parseScoringConfig, refName, type ScoringConfig } from './config.ts';
import { ScoringHandler } from './handler.ts';
import { IsolatedModuleHost } from './isolation/host.ts';
import { createScoringMetrics } from './metrics.ts';
import { BundleCache } from './registry/bundle-cache.ts';
import { MlflowClient } from './registry/mlflow.ts';
import { ModelSet } from './registry/model-set.ts';

const SERVICE = 'scoring';

function loadConfigOrExit(): ScoringConfig {
  try {
    return parseScoringConfig();
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
}

/**
 * Wiring only: config → logger → metrics → models (MLflow, cache, isolates) →
 * Kafka loop. Close order (reverse of registration): health server, consumer
 * (stop fetching, drain, commit), producer, module isolates.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL });
  const lifecycle = new Lifecycle({ logger, graceMs: config.SCORING_SHUTDOWN_GRACE });
  const registry = createMetricsRegistry({ service: SERVICE });
  const metrics = createScoringMetrics(registry);
  const topics = topicNames();
  if (config.VIGIL_FAULT_INJECTION)
    logger.warn({ faults: Object.fromEntries(config.SCORING_FAULTS) }, 'FAULT INJECTION IS ON (test hook)');

  const codec = new AvroCodec({ registryUrl: config.SCHEMA_REGISTRY_URL });
  await lifecycle.retryUntilReady('schema registry', () =>
    codec.registerTopic(topics.alertsScored, 'vigil.ScoredAlert'),
  );

  const models = new ModelSet(
    config.SCORING_MODELS,
    {
      client: new MlflowClient(config.MLFLOW_TRACKING_URI, { timeoutMs: config.SCORING_REGISTRY_TIMEOUT }),
      cache: new BundleCache(config.SCORING_CACHE_DIR),
      metrics,
      logger,
      createHost: (ref, version, dir) =>
        new IsolatedModuleHost({
          ...ref,
          version,
          dir,
          isolation: config.SCORING_ISOLATION,
          timeoutMs: config.SCORING_MODULE_TIMEOUT,
          loadTimeoutMs: config.SCORING_MODULE_LOAD_TIMEOUT,
          maxHeapMb: config.SCORING_MODULE_MAX_HEAP_MB,
          restartBackoffMaxMs: config.SCORING_RESTART_BACKOFF_MAX,
          fault: config.VIGIL_FAULT_INJECTION ? (config.SCORING_FAULTS.get(refName(ref)) ?? null) : null,
          logger,
          onRestart: (reason) => metrics.restarts.inc({ model: ref.model, alias: ref.alias, reason }),
        }),
    },
    { pollIntervalMs: config.SCORING_POLL_INTERVAL, startupWaitMs: config.SCORING_STARTUP_WAIT },
  );
  lifecycle.onClose('module isolates', () => models.close());
  await models.start(logger);

  const registeredModels = config.SCORING_MODELS.map(refName);
  await runStage({
    service: SERVICE,
    logger,
    lifecycle,
    registry,
    brokers: config.KAFKA_BROKERS,
    clientId: config.SCORING_CLIENT_ID,
    groupId: config.SCORING_GROUP_ID,
    inputs: [topics.alertsEnriched],
    handler: new ScoringHandler({ codec, models, topics, metrics }),
    retry: { initialMs: config.SCORING_RETRY_INITIAL, maxMs: config.SCORING_RETRY_MAX },
    maxBatchRecords: config.SCORING_MAX_BATCH_RECORDS,
    sessionTimeoutMs: config.SCORING_SESSION_TIMEOUT,
    health: { host: config.SCORING_METRICS_HOST, port: config.SCORING_METRICS_PORT },
    readiness: () => models.readiness(),
    describe: { output: topics.alertsScored, models: registeredModels, isolation: config.SCORING_ISOLATION },
  });
}

await main();
