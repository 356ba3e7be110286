import { orExit } from '@vigil/config';
import { RedisDedupStore } from '@vigil/dedup';
import { connectRedis, runService } from '@vigil/service';
import { feedbackEnv } from './config.ts';
import { FeedbackHandler } from './handler.ts';
import { createFeedbackMetrics } from './metrics.ts';
import { loadFeedbackPolicies } from './policy.ts';

/** Wiring only: the feedback service's clients and handler on the shared run loop (@vigil/service). */
await runService({
  name: 'feedback',
  env: feedbackEnv,
  async start({ config, logger, lifecycle, registry, topics, codecFor }) {
    // A bad policy file is a bad setting: every problem on stderr, exit 2.
    const policies = orExit(() => loadFeedbackPolicies(config.FEEDBACK_POLICY));
    const redis = connectRedis(config.REDIS_URL, { logger, lifecycle });
    const ttlSeconds = Math.ceil(config.FEEDBACK_DEDUP_TTL / 1000);
    const dedup = new RedisDedupStore(redis, { prefix: config.FEEDBACK_REDIS_PREFIX, ttlSeconds });
    const codec = await codecFor({ [topics.feedbackRequests]: 'vigil.FeedbackRequest' });
    const metrics = createFeedbackMetrics(registry);
    const handler = new FeedbackHandler({ codec, dedup, topics, metrics, policies });
    return { inputs: [topics.alertsScored], handler, describe: { output: topics.feedbackRequests } };
  },
});
