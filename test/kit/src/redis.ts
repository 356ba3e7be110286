import { Redis } from 'ioredis';
import { stackEnv, uniqueName } from './env.ts';

/** A Redis connection and a unique key prefix; `cleanup()` deletes every key under the prefix and disconnects. */
export async function redisFixture(
  name = 'test',
): Promise<{ redis: Redis; prefix: string; cleanup: () => Promise<void> }> {
  const redis = new Redis(stackEnv.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  const prefix = `${uniqueName(`vigil-test:${name}`)}:`;
  return {
    redis,
    prefix,
    cleanup: async () => {
      await deleteKeys(redis, prefix);
      redis.disconnect();
    },
  };
}

/** Deletes every key that starts with `prefix`. */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}
