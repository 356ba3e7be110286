import { VigilError } from '@vigil/errors';
import type { ChainableCommander, Redis } from 'ioredis';

export interface DedupMark {
  id: string;
  coordinates: string;
}

/** Redis key of an id's dedup mark; every key name of a dedup store is built here. */
export function dedupKey(prefix: string, id: string): string {
  return `${prefix}dedup:${id}`;
}

/**
 * Writes a chunk's marks in one command: `SET key coordinates EX ttl` for each
 * key, with ARGV = ttl, then one value per key. A command per mark cost ingest
 * more CPU in the Redis client than validating the records did.
 */
const MARK_LUA = `local ttl = ARGV[1]
for i = 1, #KEYS do
  redis.call('SET', KEYS[i], ARGV[i + 1], 'EX', ttl)
end
return #KEYS`;
const MARK_COMMAND = 'vigilDedupMark';
/** Marks per script call: bounds the arguments of one call and how long Redis is busy with it. */
const MARKS_PER_CALL = 1_000;

type MarkCommand = (numberOfKeys: number, ...args: (string | number)[]) => ChainableCommander;

/**
 * Dedup marks in Redis: one key per published id (ingest's alert ids, the
 * feedback service's request ids), holding where the record was read,
 * expiring after `ttlSeconds`. Redis errors become the retriable
 * VIGIL_REDIS_UNAVAILABLE, so the batch waits instead of publishing unchecked.
 */
export class RedisDedupStore {
  constructor(
    private readonly redis: Redis,
    private readonly options: { prefix: string; ttlSeconds: number },
  ) {
    if (!(MARK_COMMAND in redis)) redis.defineCommand(MARK_COMMAND, { lua: MARK_LUA });
  }

  async lookup(ids: readonly string[]): Promise<(string | null)[]> {
    if (ids.length === 0) return [];
    try {
      return await this.redis.mget(ids.map((id) => dedupKey(this.options.prefix, id)));
    } catch (error) {
      throw new VigilError('VIGIL_REDIS_UNAVAILABLE', 'cannot read dedup marks from Redis', { cause: error });
    }
  }

  async mark(marks: readonly DedupMark[]): Promise<void> {
    if (marks.length === 0) return;
    const pipeline = this.redis.pipeline();
    const setMarks = (pipeline as unknown as Record<string, MarkCommand>)[MARK_COMMAND] as MarkCommand;
    for (let start = 0; start < marks.length; start += MARKS_PER_CALL) {
      const part = marks.slice(start, start + MARKS_PER_CALL);
      const keys = part.map(({ id }) => dedupKey(this.options.prefix, id));
      setMarks.call(pipeline, keys.length, ...keys, this.options.ttlSeconds, ...part.map((m) => m.coordinates));
    }
    let results: [Error | null, unknown][] | null;
    try {
      results = await pipeline.exec();
    } catch (error) {
      throw new VigilError('VIGIL_REDIS_UNAVAILABLE', 'cannot write dedup marks to Redis', { cause: error });
    }
    const failed = results?.find(([error]) => error !== null);
    if (!results || failed) {
      throw new VigilError('VIGIL_REDIS_UNAVAILABLE', 'Redis refused dedup marks', { cause: failed?.[0] });
    }
  }
}

/**
 * The marks of each chunk between a handler's `process` and its
 * `afterPublish`: held by the chunk's records array, written only once Kafka
 * acknowledged the chunk's outputs, so a crash in between re-publishes rather
 * than loses. A failed write keeps them for the retried chunk's `process` to
 * replace.
 */
export class PendingMarks {
  private readonly held = new WeakMap<object, DedupMark[]>();

  constructor(private readonly store: RedisDedupStore) {}

  hold(chunk: object, marks: DedupMark[]): void {
    this.held.set(chunk, marks);
  }

  async write(chunk: object): Promise<void> {
    const marks = this.held.get(chunk);
    if (marks) await this.store.mark(marks);
    this.held.delete(chunk);
  }
}
