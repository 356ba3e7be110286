import assert from 'node:assert/strict';
import type { Alert } from '@vigil/contracts';
import type { CallResult, EnrichInput } from '@vigil/enrichment';
import { stackEnv, TcpRelay } from '@vigil/test-kit';
import { Redis } from 'ioredis';

/** The seeded generator of the random streams, so a failing one can be reproduced from its seed. */
export { mulberry32 as prng } from '@vigil/random';

export const T0 = Date.parse('2026-01-01T00:00:00Z');

export function alert(source: string, entity: string, id: string, ts: number, values: Record<string, number>): Alert {
  return {
    id,
    source,
    entity,
    ts,
    ingestedAt: T0,
    values,
    attrs: {},
    features: {},
    origin: { topic: 'telemetry.raw', partition: 0, offset: '0', format: 'JSON' },
  };
}

/**
 * Records of several entities interleaved on one partition: random steps
 * (zero steps give equal timestamps), late records, signals that come and go,
 * constant stretches and spikes.
 */
export function randomStream(random: () => number, sources: readonly string[], count: number): EnrichInput[] {
  const entities = ['pump-1', 'pump-2', 'valve-7'].flatMap((e) => sources.map((s) => ({ source: s, entity: e })));
  const clocks = new Map<string, number>();
  const levels = new Map<string, number>();
  const inputs: EnrichInput[] = [];
  for (let i = 0; i < count; i++) {
    const { source, entity } = entities[Math.floor(random() * entities.length)] as (typeof entities)[number];
    const key = `${source}/${entity}`;
    const clock = (clocks.get(key) ?? T0) + Math.floor(random() * 4) * 1_000;
    clocks.set(key, clock);
    const ts = random() < 0.1 ? clock - Math.floor(random() * 8_000) : clock;
    const values: Record<string, number> = {};
    for (const signal of ['a', 'b', 'c', 'd']) {
      if (random() < 0.2) continue;
      const level = (levels.get(`${key}/${signal}`) ?? 50) + (random() < 0.3 ? 0 : random() * 4 - 2);
      levels.set(`${key}/${signal}`, level);
      values[signal] = random() < 0.03 ? level * 10 : level;
    }
    inputs.push({
      index: i,
      alert: alert(source, entity, `${key}#${i}`, ts, values),
      topic: 'in',
      partition: 0,
      offset: String(i),
    });
  }
  return inputs;
}

/** Same outcomes, same feature names, and every value within 1e-9 (relative to its size). */
export function assertSameResults(actual: readonly CallResult[], expected: readonly CallResult[], where: string): void {
  assert.equal(actual.length, expected.length, `${where}: number of calls`);
  actual.forEach((call, c) => {
    const ref = expected[c] as CallResult;
    assert.equal(call.created, ref.created, `${where} call ${c}: created`);
    assert.equal(call.reset, ref.reset, `${where} call ${c}: reset`);
    call.records.forEach((record, r) => {
      const refRecord = ref.records[r];
      const at = `${where} call ${c} record ${r}`;
      assert.equal(record.outcome, refRecord?.outcome, `${at}: outcome`);
      assert.equal(record.dropped, refRecord?.dropped, `${at}: dropped`);
      assert.deepEqual(
        Object.keys(record.features).sort(),
        Object.keys(refRecord?.features ?? {}).sort(),
        `${at}: names`,
      );
      for (const [name, value] of Object.entries(record.features)) {
        const want = refRecord?.features[name] as number;
        assert.ok(
          Math.abs(value - want) <= 1e-9 * Math.max(1, Math.abs(want)),
          `${at}: ${name} = ${value}, want ${want}`,
        );
      }
    });
  });
}

/**
 * A Redis connection through a TCP relay, with the service's client settings
 * (no offline queue), so a test can cut Redis off and bring it back while the
 * real server keeps running for everyone else.
 */
export async function relayedRedis(): Promise<{ redis: Redis; relay: TcpRelay; close: () => Promise<void> }> {
  const target = new URL(stackEnv.redisUrl);
  const relay = new TcpRelay(target.hostname, Number(target.port || 6379));
  await relay.open();
  const redis = new Redis({
    host: '127.0.0.1',
    port: relay.port,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: () => 50,
    lazyConnect: true,
  });
  redis.on('error', () => undefined);
  await redis.connect();
  return {
    redis,
    relay,
    close: async () => {
      redis.disconnect();
      await relay.cut();
    },
  };
}
