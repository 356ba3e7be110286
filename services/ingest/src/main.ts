import { RedisDedupStore } from '@vigil/dedup';
import { connectRedis, runService } from '@vigil/service';
import { ingestEnv, ingestSettings } from './config.ts';
import { IngestHandler } from './handler.ts';
import { createIngestMetrics } from './metrics.ts';

/** Wiring only: ingest's clients and handler on the shared run loop (@vigil/service). */
await runService({
  name: 'ingest',
  env: ingestEnv,
  async start({ config, logger, lifecycle, registry, topics, codecFor }) {
    const redis = connectRedis(config.REDIS_URL, { logger, lifecycle });
    const ttlSeconds = Math.ceil(config.INGEST_DEDUP_TTL / 1000);
    const dedup = new RedisDedupStore(redis, { prefix: config.INGEST_REDIS_PREFIX, ttlSeconds });
    const codec = await codecFor({ [topics.alertsIngested]: 'vigil.Alert' });
    const metrics = createIngestMetrics(registry);
    const handler = new IngestHandler(ingestSettings(config), { codec, dedup, topics, metrics });
    return { inputs: [topics.telemetryRaw], handler, describe: { output: topics.alertsIngested } };
  },
});
