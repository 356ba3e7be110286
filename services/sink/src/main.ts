import { createPool, prepareSchema } from '@vigil/postgres';
import { runService } from '@vigil/service';
import { sinkEnv } from './config.ts';
import { SinkHandler } from './handler.ts';
import { createSinkMetrics } from './metrics.ts';
import { sinkMigrations } from './migrations.ts';
import { StoreWriter } from './writer.ts';

/** Wiring only: the store's pool, migrations and writer on the shared run loop (@vigil/service). */
await runService({
  name: 'sink',
  env: sinkEnv,
  async start({ config, logger, lifecycle, registry, topics, codecFor }) {
    const schema = config.SINK_DB_SCHEMA;
    const pool = createPool({
      url: config.DATABASE_URL,
      schema,
      max: config.SINK_DB_POOL_MAX,
      statementTimeoutMs: config.SINK_DB_STATEMENT_TIMEOUT,
      applicationName: 'vigil-sink',
    });
    // An idle connection that dies is not an error of any batch: the next write reconnects or retries.
    pool.on('error', (err) => logger.debug({ err }, 'idle PostgreSQL connection lost'));
    lifecycle.onClose('postgres pool', () => pool.end());
    await prepareSchema(
      pool,
      { schema, migrations: sinkMigrations(), migrate: config.SINK_MIGRATE, hint: 'run pnpm migrate' },
      { logger, lifecycle },
    );

    const codec = await codecFor({});
    const metrics = createSinkMetrics(registry);
    const method = config.SINK_WRITE_METHOD;
    const writer = new StoreWriter(pool, { method, copyThresholdRows: config.SINK_COPY_THRESHOLD_ROWS, metrics });
    const handler = new SinkHandler({ codec, writer, topics, metrics });
    return { inputs: handler.topics, handler, describe: { schema, writeMethod: method } };
  },
});
