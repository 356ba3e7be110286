import { readFileSync } from 'node:fs';
import { VigilError } from '@vigil/errors';
import type { ChainableCommander, Redis } from 'ioredis';
import { type CallResult, type CallTtls, callArgs, decodeReply, type PlannedCall } from './core.ts';

/** The feature script; ioredis sends it with EVALSHA and loads it on NOSCRIPT. */
export const ENRICH_LUA = readFileSync(new URL('./enrich.lua', import.meta.url), 'utf8');
const COMMAND = 'vigilEnrich';
/** A Lua runtime error in the script itself (a bug), as opposed to OOM, BUSY, LOADING or a lost connection. */
const SCRIPT_ERROR = /user_script|Error running script/;

/**
 * Redis keys of one entity's feature state; every key name of enrichment is
 * built here. The `{…}` hash tag keeps both keys in one cluster slot, as the
 * script touches both; the source's length makes `source`/`entity` pairs unambiguous.
 */
export function entityKeys(prefix: string, source: string, entity: string): { state: string; snapshot: string } {
  const state = `${prefix}entity:{${source.length}:${source}:${entity}}`;
  return { state, snapshot: `${state}:snapshot` };
}

type EnrichCommand = (state: string, snapshot: string, ...args: (string | Buffer)[]) => ChainableCommander;

export interface FeatureStoreOptions {
  /** Key prefix, e.g. `vigil:enrich:`; tests use a unique one. */
  prefix: string;
  /** Expiry of an entity's state, renewed by every call. */
  ttlMs: number;
  /** Expiry of the snapshot that makes re-deliveries exact; default one hour. */
  snapshotTtlMs?: number;
}

/**
 * Per-entity feature windows in Redis. `run` pipelines one script call per
 * planned call; the script reads the state, computes the features, writes the
 * state and returns the features atomically, so two instances never
 * interleave updates of one entity. Any Redis failure is the retriable
 * VIGIL_REDIS_UNAVAILABLE: the batch waits and nothing is dead-lettered.
 */
export class RedisFeatureStore {
  private readonly ttls: CallTtls;

  constructor(
    private readonly redis: Redis,
    private readonly options: FeatureStoreOptions,
  ) {
    this.ttls = { stateMs: options.ttlMs, snapshotMs: Math.min(options.snapshotTtlMs ?? 3_600_000, options.ttlMs) };
    if (!(`${COMMAND}Buffer` in redis)) redis.defineCommand(COMMAND, { numberOfKeys: 2, lua: ENRICH_LUA });
  }

  keys(source: string, entity: string): { state: string; snapshot: string } {
    return entityKeys(this.options.prefix, source, entity);
  }

  async run(calls: readonly PlannedCall[]): Promise<CallResult[]> {
    if (calls.length === 0) return [];
    const pipeline = this.redis.pipeline();
    const enrich = (pipeline as unknown as Record<string, EnrichCommand>)[`${COMMAND}Buffer`] as EnrichCommand;
    for (const call of calls) {
      const { state, snapshot } = this.keys(call.source, call.entity);
      enrich.call(pipeline, state, snapshot, ...callArgs(call, this.ttls));
    }
    let replies: [Error | null, unknown][] | null;
    try {
      replies = await pipeline.exec();
    } catch (error) {
      throw new VigilError('VIGIL_REDIS_UNAVAILABLE', 'cannot run the feature script on Redis', { cause: error });
    }
    if (!replies || replies.length !== calls.length) {
      throw new VigilError('VIGIL_REDIS_UNAVAILABLE', 'Redis dropped feature script calls (connection lost)');
    }
    return calls.map((call, i) => {
      const [error, reply] = replies[i] as [Error | null, unknown];
      if (error) {
        const code = SCRIPT_ERROR.test(error.message) ? 'VIGIL_ENRICHMENT_SCRIPT_FAILED' : 'VIGIL_REDIS_UNAVAILABLE';
        throw new VigilError(code, `feature script failed: ${error.message}`, { cause: error, entity: call.entity });
      }
      return decodeReply(reply as Buffer, call);
    });
  }
}
