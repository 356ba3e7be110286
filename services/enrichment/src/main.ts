import { orExit } from '@vigil/config';
import { connectRedis, runService } from '@vigil/service';
import { enrichmentEnv } from './config.ts';
import { FeatureConfig } from './feature-config.ts';
import { EnrichmentHandler } from './handler.ts';
import { createEnrichmentMetrics } from './metrics.ts';
import { RedisFeatureStore } from './store.ts';

/** Wiring only: enrichment's clients and handler on the shared run loop (@vigil/service). */
await runService({
  name: 'enrichment',
  env: enrichmentEnv,
  async start({ config, logger, lifecycle, registry, topics, codecFor }) {
    // A bad feature config is a bad setting: every problem on stderr, exit 2.
    const features = orExit(() => FeatureConfig.load(config.ENRICHMENT_CONFIG));
    const redis = connectRedis(config.REDIS_URL, { logger, lifecycle });
    const store = new RedisFeatureStore(redis, {
      prefix: config.ENRICHMENT_REDIS_PREFIX,
      ttlMs: config.ENRICHMENT_STATE_TTL,
      snapshotTtlMs: config.ENRICHMENT_SNAPSHOT_TTL,
    });
    const codec = await codecFor({ [topics.alertsEnriched]: 'vigil.Alert' });
    const metrics = createEnrichmentMetrics(registry);
    const settings = { features, maxRecordsPerCall: config.ENRICHMENT_MAX_RECORDS_PER_CALL };
    const handler = new EnrichmentHandler(settings, { codec, store, topics, metrics });
    const describe = { output: topics.alertsEnriched, sources: features.sourceNames() };
    return { inputs: [topics.alertsIngested], handler, describe };
  },
});
