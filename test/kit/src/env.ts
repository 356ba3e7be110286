import { randomUUID } from 'node:crypto';
import { sleep } from '@vigil/timing';

/** Loopback endpoints of the local stack, overridable like the services' own settings. */
export const stackEnv = {
  kafkaBrokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
  registryUrl: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7',
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  databaseUrl: process.env.DATABASE_URL ?? 'postgres://vigil:vigil@127.0.0.1:5432/vigil',
  mlflowUri: process.env.MLFLOW_TRACKING_URI ?? 'http://127.0.0.1:5000',
} as const;

/** A name no other test uses: `prefix-<8 hex>`. Safe for topics, groups and Redis prefixes. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** The real datasets folder, or undefined (the caller says so in one line and uses generated data). */
export function datasetsDir(): string | undefined {
  const dir = process.env.VIGIL_DATASETS;
  return dir && dir.length > 0 ? dir : undefined;
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: lastError });
}
