import type { Lifecycle } from '@vigil/lifecycle';
import type { Logger } from '@vigil/logging';
import { Redis } from 'ioredis';

/**
 * A Redis client for a stage: commands fail at once while disconnected, so the
 * consume loop backs off and retries the chunk instead of queueing writes.
 */
export function connectRedis(url: string, context: { logger: Logger; lifecycle: Lifecycle }): Redis {
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 5_000 });
  redis.on('error', (err) => context.logger.debug({ err }, 'redis connection error'));
  context.lifecycle.onClose('redis', async () => {
    await redis.quit().catch(() => redis.disconnect());
  });
  return redis;
}
