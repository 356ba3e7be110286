import { AvroCodec } from '@vigil/avro';
import { loadConfigOrExit } from '@vigil/config';
import { topicNames } from '@vigil/contracts';
import { Lifecycle } from '@vigil/lifecycle';
import { createLogger } from '@vigil/logging';
import { createMetricsRegistry } from '@vigil/metrics';
import { connectRedis, runStage } from '@vigil/service';
import { incidentEnv } from './config.ts';
import { IncidentHandler } from './handler.ts';
import { createIncidentMetrics } from './metrics.ts';
import { loadIncidentRules } from './options.ts';
import { RedisIncidentStore } from './store.ts';

const SERVICE = 'incident';

/** Wiring only: config → logger → metrics → clients → handler → run loop. */
async function main(): Promise<void> {
  const config = loadConfigOrExit(incidentEnv);
  const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL });
  let rules: ReturnType<typeof loadIncidentRules>;
  try {
    rules = loadIncidentRules(config.INCIDENT_CONFIG);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
  const lifecycle = new Lifecycle({ logger, graceMs: config.INCIDENT_SHUTDOWN_GRACE });
  const registry = createMetricsRegistry({ service: SERVICE });
  const topics = topicNames();

  const redis = connectRedis(config.REDIS_URL, { logger, lifecycle });
  const store = new RedisIncidentStore(redis, {
    prefix: config.INCIDENT_REDIS_PREFIX,
    ttlMs: config.INCIDENT_STATE_TTL,
  });

  const codec = new AvroCodec({ registryUrl: config.SCHEMA_REGISTRY_URL });
  await lifecycle.retryUntilReady('schema registry', async () => {
    await codec.registerTopic(topics.incidents, 'vigil.Incident');
    await codec.registerTopic(topics.incidentsShadow, 'vigil.Incident');
  });

  const handler = new IncidentHandler({
    codec,
    store,
    topics,
    metrics: createIncidentMetrics(registry, store),
    settings: { rules, actionableAliases: new Set(config.INCIDENT_ACTIONABLE_ALIASES) },
  });

  await runStage({
    service: SERVICE,
    logger,
    lifecycle,
    registry,
    brokers: config.KAFKA_BROKERS,
    clientId: config.INCIDENT_CLIENT_ID,
    groupId: config.INCIDENT_GROUP_ID,
    inputs: [topics.alertsScored],
    handler,
    retry: { initialMs: config.INCIDENT_RETRY_INITIAL, maxMs: config.INCIDENT_RETRY_MAX },
    maxBatchRecords: config.INCIDENT_MAX_BATCH_RECORDS,
    sessionTimeoutMs: config.INCIDENT_SESSION_TIMEOUT,
    health: { host: config.INCIDENT_METRICS_HOST, port: config.INCIDENT_METRICS_PORT },
    describe: {
      outputs: [topics.incidents, topics.incidentsShadow],
      actionableAliases: config.INCIDENT_ACTIONABLE_ALIASES,
    },
  });
}

await main();
