import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type CallResult,
  type EnrichInput,
  entityKeys,
  FeatureConfig,
  OUTCOME,
  type PlannedCall,
  planCalls,
  RedisFeatureStore,
  ReferenceEntity,
} from '@vigil/enrichment';
import { redisFixture, waitFor } from '@vigil/test-kit';
import { alert, assertSameResults, prng, randomStream, relayedRedis, T0 } from './stream.ts';

const TTL_MS = 3_600_000;
const SNAPSHOT_TTL_MS = 600_000;
const config = FeatureConfig.parse({
  default: { windowSize: 8, ewma: { ewma: 0.3, ewma_slow: 0.05 }, season: { length: '40s', slots: 4 } },
  sources: {
    narrow: { windowSize: 3, maxSignals: 2, maxLateness: '2s', minStd: 0.01, rateAlpha: 0.5 },
    plain: { season: null, signals: ['a', 'b'], ewma: { ewma: 0.2 } },
  },
});

/** Runs calls through the reference, one ReferenceEntity per (source, entity) like one Redis hash. */
function referenceRun(references: Map<string, ReferenceEntity>, calls: readonly PlannedCall[]): CallResult[] {
  return calls.map((call) => {
    const key = `${call.source}\u0000${call.entity}`;
    let entity = references.get(key);
    if (!entity) {
      entity = new ReferenceEntity();
      references.set(key, entity);
    }
    return entity.call(call, call.settings);
  });
}

describe('RedisFeatureStore against real Redis', () => {
  let fixture: Awaited<ReturnType<typeof redisFixture>>;
  let store: RedisFeatureStore;

  before(async () => {
    fixture = await redisFixture('enrichment');
    store = new RedisFeatureStore(fixture.redis, {
      prefix: fixture.prefix,
      ttlMs: TTL_MS,
      snapshotTtlMs: SNAPSHOT_TTL_MS,
    });
  });
  after(async () => {
    await fixture.cleanup();
  });

  it('equals the TypeScript reference to 1e-9 on a random stream with late records, retries and re-deliveries', async () => {
    const seed = 20_260_101;
    const random = prng(seed);
    const inputs = randomStream(random, ['wide', 'narrow', 'plain'], 3_000);
    const references = new Map<string, ReferenceEntity>();
    const outcomes = new Map<number, number>();
    let start = 0;
    let previous: EnrichInput[] = [];
    while (start < inputs.length) {
      const batch = inputs.slice(start, start + 1 + Math.floor(random() * 60));
      start += batch.length;
      // Retry of the same batch (process() failed after Redis applied it), or re-delivery
      // of the previous batch too (the commit was lost): both must be handled like the reference.
      const roll = random();
      const rounds = roll < 0.15 ? [batch, batch] : roll < 0.25 ? [batch, [...previous, ...batch]] : [batch];
      for (const round of rounds) {
        const calls = planCalls(round, config, 7);
        const actual = await store.run(calls);
        assertSameResults(actual, referenceRun(references, calls), `seed ${seed} offset ${round[0]?.offset}`);
        for (const result of actual)
          for (const r of result.records) outcomes.set(r.outcome, (outcomes.get(r.outcome) ?? 0) + 1);
      }
      previous = batch;
    }
    // The stream exercised every rule.
    for (const outcome of Object.values(OUTCOME))
      assert.ok((outcomes.get(outcome) ?? 0) > 0, `outcome ${outcome} seen`);
  });

  it('re-running a batch after a crash leaves the same state as running it once', async () => {
    const records = (entity: string, from: number, values: number[]): EnrichInput[] =>
      values.map((x, i) => ({
        index: i,
        alert: alert('s', entity, `${entity}-${from + i}`, T0 + (from + i) * 1000, { a: x }),
        topic: 'in',
        partition: 3,
        offset: String(from + i),
      }));
    const run = async (inputs: EnrichInput[]) => (await store.run(planCalls(inputs, config, 500)))[0] as CallResult;

    const once = [await run(records('once', 0, [1, 2, 3])), await run(records('once', 3, [4, 9, 5]))];
    const first = await run(records('twice', 0, [1, 2, 3]));
    const replay = await run(records('twice', 0, [1, 2, 3]));
    const next = await run(records('twice', 3, [4, 9, 5]));

    assert.deepEqual(
      replay.records,
      first.records.map((r) => ({ ...r, outcome: OUTCOME.replayedExact })),
    );
    assert.deepEqual(next, once[1], 'the state after the replay is the state after one run');
  });

  it('enriches a re-delivery against the current state once its snapshot has expired', async () => {
    const batch = (from: number, values: number[]): EnrichInput[] =>
      values.map((x, i) => ({
        index: i,
        alert: alert('s', 'expired', `x-${from + i}`, T0 + (from + i) * 1000, { a: x }),
        topic: 'in',
        partition: 0,
        offset: String(from + i),
      }));
    const run = async (inputs: EnrichInput[]) => (await store.run(planCalls(inputs, config, 500)))[0] as CallResult;
    await run(batch(0, [1, 2]));
    const first = await run(batch(2, [3, 6]));
    await fixture.redis.del(entityKeys(fixture.prefix, 's', 'expired').snapshot);
    const replay = await run(batch(2, [3, 6]));
    assert.deepEqual(
      replay.records.map((r) => r.outcome),
      [OUTCOME.replayedCurrent, OUTCOME.replayedCurrent],
    );
    assert.notDeepEqual(replay.records[0]?.features, first.records[0]?.features);
    const next = await run(batch(4, [0]));
    assert.equal(next.records[0]?.features['a.mean'], (1 + 2 + 3 + 6) / 4, 'nothing applied twice');
  });

  it('sets the state TTL and the shorter snapshot TTL', async () => {
    const inputs = [0, 1].map((i) => ({
      index: i,
      alert: alert('s', 'ttl', `ttl-${i}`, T0 + i, { a: i }),
      topic: 'in',
      partition: 0,
      offset: String(i),
    }));
    await store.run(planCalls(inputs.slice(0, 1), config, 500));
    await store.run(planCalls(inputs.slice(1), config, 500));
    const { state, snapshot } = entityKeys(fixture.prefix, 's', 'ttl');
    const stateTtl = await fixture.redis.pttl(state);
    assert.ok(stateTtl > TTL_MS - 60_000 && stateTtl <= TTL_MS, `state expires in ${stateTtl} ms`);
    const snapshotTtl = await fixture.redis.pttl(snapshot);
    assert.ok(
      snapshotTtl > SNAPSHOT_TTL_MS - 60_000 && snapshotTtl <= SNAPSHOT_TTL_MS,
      `snapshot expires in ${snapshotTtl} ms`,
    );
  });

  it('loads the script again after SCRIPT FLUSH', async () => {
    const call = (i: number) =>
      planCalls(
        [
          {
            index: 0,
            alert: alert('s', 'flush', `f-${i}`, T0 + i, { a: i }),
            topic: 'in',
            partition: 0,
            offset: String(i),
          },
        ],
        config,
        500,
      );
    await store.run(call(0));
    await fixture.redis.script('FLUSH');
    const [result] = await store.run([...call(1), ...call(2)]);
    assert.equal(result?.records[0]?.features['a.last'], 0);
  });

  it('starts unreadable state afresh and reports it', async () => {
    const { state } = entityKeys(fixture.prefix, 's', 'corrupt');
    await fixture.redis.hset(state, 'm', 'not msgpack', 's:a', 'junk');
    const [result] = await store.run(
      planCalls(
        [{ index: 0, alert: alert('s', 'corrupt', 'c-1', T0, { a: 1 }), topic: 'in', partition: 0, offset: '0' }],
        config,
        500,
      ),
    );
    assert.equal(result?.reset, true);
    assert.equal(result?.created, true);
    assert.deepEqual(Object.keys(result?.records[0]?.features ?? {}).sort(), ['_entity.late', 'a.ewma', 'a.ewma_slow']);
  });

  it('reports a failing script as VIGIL_ENRICHMENT_SCRIPT_FAILED', async () => {
    const [call] = planCalls(
      [{ index: 0, alert: alert('s', 'broken', 'b-0', T0, { a: 1 }), topic: 'in', partition: 0, offset: '0' }],
      config,
      500,
    ) as [PlannedCall];
    // Settings the config schema never lets through: a NaN alpha is an invalid Lua table index.
    const broken = { ...call, settings: { ...call.settings, ewma: [{ name: 'ewma', alpha: Number.NaN }] } };
    await assert.rejects(store.run([broken]), { code: 'VIGIL_ENRICHMENT_SCRIPT_FAILED', retriable: false });
  });

  it('throws the retriable VIGIL_REDIS_UNAVAILABLE while Redis is cut off, and works again once it is back', async () => {
    const { redis, relay, close } = await relayedRedis();
    try {
      const relayed = new RedisFeatureStore(redis, { prefix: fixture.prefix, ttlMs: TTL_MS });
      const calls = (i: number) =>
        planCalls(
          [
            {
              index: 0,
              alert: alert('s', 'cut', `cut-${i}`, T0 + i, { a: i }),
              topic: 'in',
              partition: 0,
              offset: String(i),
            },
          ],
          config,
          500,
        );
      await relayed.run(calls(0));
      await relay.cut();
      await assert.rejects(relayed.run(calls(1)), { code: 'VIGIL_REDIS_UNAVAILABLE', retriable: true });
      await relay.open();
      const [result] = await waitFor('Redis back', () => relayed.run(calls(1)).catch(() => undefined), 10_000);
      assert.equal(result?.records[0]?.features['a.last'], 0, 'the failed call applied nothing');
    } finally {
      await close();
    }
  });
});
