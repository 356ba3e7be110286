import { VigilError } from '@vigil/errors';
import type { Redis } from 'ioredis';
import { type EntityState, type ParsedState, parseEntityState, serializeEntityState } from './state.ts';

/** Every Redis key name of the incident service, built in this one place. */
export function incidentKeys(prefix: string) {
  return {
    /** JSON `EntityState` of one entity (string, expires after the state TTL). */
    state: (entity: string) => `${prefix}state:${entity}`,
    /** Open incidents of one alias (sorted set: member `[entity, model]`, score = event time of its last anomaly). */
    open: (alias: string) => `${prefix}open:${alias}`,
    /** Aliases that ever had an open incident (set), so the gauge knows which sorted sets to count. */
    aliases: `${prefix}aliases`,
  } as const;
}

/** A change of the open-incident index: `lastAnomalyAt` null removes the member. */
export interface OpenIndexChange {
  alias: string;
  member: string;
  lastAnomalyAt: number | null;
}

export interface StateWrite {
  before: EntityState;
  after: EntityState;
}

/** What the open-incident index must learn from one entity's state change. */
export function openIndexChanges({ before, after }: StateWrite): OpenIndexChange[] {
  const changes: OpenIndexChange[] = [];
  for (const [id, key] of Object.entries(after.keys)) {
    const member = JSON.stringify([after.entity, key.model]);
    const previous = before.keys[id]?.open ?? null;
    if (key.open !== null) {
      const { lastAnomalyAt } = key.open;
      if (previous === null || previous.lastAnomalyAt !== lastAnomalyAt) {
        changes.push({ alias: key.alias, member, lastAnomalyAt });
      }
    } else if (previous !== null) {
      changes.push({ alias: key.alias, member, lastAnomalyAt: null });
    }
  }
  return changes;
}

function unavailable(message: string, cause: unknown): VigilError {
  return new VigilError('VIGIL_REDIS_UNAVAILABLE', message, { cause });
}

/**
 * Incident state in Redis: one JSON value per entity, read for a whole batch
 * with one MGET and written back with one MULTI/EXEC (state and open index
 * change together or not at all). Any Redis failure becomes the retriable
 * VIGIL_REDIS_UNAVAILABLE, so the consume loop retries the batch.
 */
export class RedisIncidentStore {
  private readonly keys: ReturnType<typeof incidentKeys>;

  constructor(
    private readonly redis: Redis,
    private readonly options: { prefix: string; ttlMs: number },
  ) {
    this.keys = incidentKeys(options.prefix);
  }

  async load(entities: readonly string[]): Promise<Map<string, ParsedState>> {
    const states = new Map<string, ParsedState>();
    if (entities.length === 0) return states;
    let values: (string | null)[];
    try {
      values = await this.redis.mget(entities.map((entity) => this.keys.state(entity)));
    } catch (error) {
      throw unavailable('cannot read incident state from Redis', error);
    }
    entities.forEach((entity, i) => {
      const parsed = parseEntityState(entity, values[i] ?? null);
      // A refused value names its key: the operator's fix is to delete it (docs/errors.md).
      states.set(entity, parsed.ok ? parsed : { ok: false, message: `${this.keys.state(entity)}: ${parsed.message}` });
    });
    return states;
  }

  async save(writes: readonly StateWrite[]): Promise<void> {
    if (writes.length === 0) return;
    const multi = this.redis.multi();
    const aliases = new Set<string>();
    for (const write of writes) {
      multi.set(this.keys.state(write.after.entity), serializeEntityState(write.after), 'PX', this.options.ttlMs);
      for (const change of openIndexChanges(write)) {
        if (change.lastAnomalyAt === null) {
          multi.zrem(this.keys.open(change.alias), change.member);
        } else {
          multi.zadd(this.keys.open(change.alias), change.lastAnomalyAt, change.member);
          aliases.add(change.alias);
        }
      }
    }
    if (aliases.size > 0) multi.sadd(this.keys.aliases, ...aliases);
    let results: [Error | null, unknown][] | null;
    try {
      results = await multi.exec();
    } catch (error) {
      throw unavailable('cannot write incident state to Redis', error);
    }
    const failed = results?.find(([error]) => error !== null);
    if (!results || failed) throw unavailable('Redis refused the incident state', failed?.[0]);
  }

  /** Open incidents per alias, from the open index (what the `vigil_incidents_open` gauge shows). */
  async countOpen(): Promise<Map<string, number>> {
    try {
      const aliases = (await this.redis.smembers(this.keys.aliases)).sort();
      const counts = new Map<string, number>();
      if (aliases.length === 0) return counts;
      const pipeline = this.redis.pipeline();
      for (const alias of aliases) pipeline.zcard(this.keys.open(alias));
      const results = (await pipeline.exec()) ?? [];
      aliases.forEach((alias, i) => {
        const [error, count] = results[i] ?? [null, 0];
        if (error) throw error;
        counts.set(alias, Number(count));
      });
      return counts;
    } catch (error) {
      throw unavailable('cannot count open incidents in Redis', error);
    }
  }
}
