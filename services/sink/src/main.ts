import { AvroCodec } from '@vigil/avro';
import { loadConfigOrExit } from '@vigil/config';
import { topicNames } from '@vigil/contracts';
import { VigilError } from '@vigil/errors';
import { Lifecycle } from '@vigil/lifecycle';
import { createLogger } from '@vigil/logging';
import { createMetricsRegistry } from '@vigil/metrics';
import { runStage } from '@vigil/service';
import { sinkEnv } from './config.ts';
import { createPool } from './db.ts';
import { SinkHandler } from './handler.ts';
import { createSinkMetrics } from './metrics.ts';
import { migrate, migrationStatus } from './migrations.ts';
import { StoreWriter } from './writer.ts';

const SERVICE = 'sink';

/** Wiring only: config → logger → metrics → clients → handler → run loop. */
async function main(): Promise<void> {
  const config = loadConfigOrExit(sinkEnv);
  const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL });
  const lifecycle = new Lifecycle({ logger, graceMs: config.SINK_SHUTDOWN_GRACE });
  const registry = createMetricsRegistry({ service: SERVICE });
  const topics = topicNames();
  const metrics = createSinkMetrics(registry);

  const pool = createPool({
    url: config.DATABASE_URL,
    schema: config.SINK_DB_SCHEMA,
    max: config.SINK_DB_POOL_MAX,
    statementTimeoutMs: config.SINK_DB_STATEMENT_TIMEOUT,
  });
  // An idle connection that dies is not an error of any batch: the next write reconnects or retries.
  pool.on('error', (err) => logger.debug({ err }, 'idle PostgreSQL connection lost'));
  lifecycle.onClose('postgres pool', () => pool.end());

  if (config.SINK_MIGRATE) {
    const result = await lifecycle.retryUntilReady('postgres', () => migrate(pool, config.SINK_DB_SCHEMA));
    logger.info(
      { schema: config.SINK_DB_SCHEMA, applied: result.applied.map((m) => m.file), already: result.alreadyApplied },
      'migrations checked',
    );
  } else {
    const status = await lifecycle.retryUntilReady('postgres', () => migrationStatus(pool));
    if (status.pending.length > 0) {
      throw new VigilError(
        'VIGIL_SINK_MIGRATION_FAILED',
        `schema ${config.SINK_DB_SCHEMA} misses migrations ${status.pending.map((m) => m.file).join(', ')}; run pnpm migrate`,
      );
    }
  }

  const codec = new AvroCodec({ registryUrl: config.SCHEMA_REGISTRY_URL });
  await lifecycle.retryUntilReady('schema registry', () => codec.ping());

  const writer = new StoreWriter(pool, {
    method: config.SINK_WRITE_METHOD,
    copyThresholdRows: config.SINK_COPY_THRESHOLD_ROWS,
    metrics,
  });
  const handler = new SinkHandler({ codec, writer, topics, metrics });

  await runStage({
    service: SERVICE,
    logger,
    lifecycle,
    registry,
    brokers: config.KAFKA_BROKERS,
    clientId: config.SINK_CLIENT_ID,
    groupId: config.SINK_GROUP_ID,
    inputs: handler.topics,
    handler,
    retry: { initialMs: config.SINK_RETRY_INITIAL, maxMs: config.SINK_RETRY_MAX },
    maxBatchRecords: config.SINK_MAX_BATCH_RECORDS,
    sessionTimeoutMs: config.SINK_SESSION_TIMEOUT,
    health: { host: config.SINK_METRICS_HOST, port: config.SINK_METRICS_PORT },
    describe: { schema: config.SINK_DB_SCHEMA, writeMethod: config.SINK_WRITE_METHOD },
  });
}

await main();
