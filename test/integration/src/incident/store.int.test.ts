import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Incident, ScoredAlert, Verdict } from '@vigil/contracts';
import {
  applyScoredAlert,
  compileIncidentRules,
  type EntityState,
  incidentKeys,
  RedisIncidentStore,
  type StateWrite,
} from '@vigil/incident';
import { redisFixture } from '@vigil/test-kit';
import { Redis } from 'ioredis';

const T0 = Date.parse('2026-02-01T00:00:00Z');
const MIN = 60_000;
const settings = {
  rules: compileIncidentRules({
    defaults: { k: 2, n: 3, quietPeriod: '5m', updateEvery: '2m', suppressionPeriod: '3m' },
  }),
  actionableAliases: new Set(['published']),
};

function scored(entity: string, minute: number, verdicts: Record<string, Verdict>): ScoredAlert {
  const ts = T0 + minute * MIN;
  return {
    alert: {
      id: `${entity}-${minute}`,
      source: 'test',
      entity,
      ts,
      ingestedAt: ts,
      values: { x: 1 },
      attrs: {},
      features: {},
      origin: { topic: 'telemetry.raw', partition: 0, offset: String(minute), format: 'JSON' },
    },
    scores: Object.entries(verdicts).map(([alias, verdict]) => ({
      module: 'envelope',
      model: 'pump-envelope',
      version: '1',
      alias,
      raw: 1,
      calibrated: verdict === 'ANOMALY' ? 0.999 : 0.2,
      verdict,
      missingReason: null,
      thresholds: { unsureAbove: 0.9, anomalyAbove: 0.99 },
      elements: [],
      contributors: [{ signal: 'x', weight: 0.8 }],
      latencyMs: 0.5,
    })),
    scoredAt: ts,
  };
}

/** A stream of two entities, each with a published and a challenger score per minute. */
function stream(): ScoredAlert[] {
  const pattern = 'NAAANNAAA......NAANA.......A';
  const out: ScoredAlert[] = [];
  [...pattern].forEach((c, minute) => {
    if (c === '.') return;
    const verdict: Verdict = c === 'A' ? 'ANOMALY' : 'NORMAL';
    out.push(scored('pump-1', minute, { published: verdict, challenger: minute % 4 === 0 ? 'NORMAL' : verdict }));
    out.push(scored('pump-2', minute, { published: minute % 3 === 0 ? 'ANOMALY' : 'NORMAL' }));
  });
  return out;
}

/** What the handler does per batch: one load, apply in order, one save (or none, to simulate a crash). */
async function processBatch(store: RedisIncidentStore, batch: ScoredAlert[], save = true): Promise<Incident[]> {
  const entities = [...new Set(batch.map((s) => s.alert.entity))];
  const loaded = await store.load(entities);
  const before = new Map<string, EntityState>();
  const current = new Map<string, EntityState>();
  for (const [entity, parsed] of loaded) {
    assert.ok(parsed.ok);
    before.set(entity, parsed.state);
    current.set(entity, parsed.state);
  }
  const incidents: Incident[] = [];
  for (const s of batch) {
    const applied = applyScoredAlert(current.get(s.alert.entity) as EntityState, s, settings, 42);
    current.set(s.alert.entity, applied.state);
    incidents.push(...applied.incidents);
  }
  const writes: StateWrite[] = entities.map((e) => ({
    before: before.get(e) as EntityState,
    after: current.get(e) as EntityState,
  }));
  if (save) await store.save(writes);
  return incidents;
}

function batches<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const ids = (list: Incident[]) => list.map((i) => `${i.incidentId}/${i.sequence}/${i.status}`);

describe('incident state in real Redis', () => {
  let fixture: Awaited<ReturnType<typeof redisFixture>>;
  let store: RedisIncidentStore;

  before(async () => {
    fixture = await redisFixture('incident');
    store = new RedisIncidentStore(fixture.redis, { prefix: fixture.prefix, ttlMs: 3_600_000 });
  });
  after(async () => {
    await fixture.cleanup();
  });

  it('round-trips entity states, sets their TTL and keeps the open index in step', async () => {
    const first = await processBatch(store, stream().slice(0, 8));
    assert.ok(first.some((i) => i.status === 'OPEN'));
    const loaded = await store.load(['pump-1', 'pump-2', 'pump-3']);
    assert.equal(loaded.size, 3);
    const pump1 = loaded.get('pump-1');
    assert.ok(pump1?.ok && Object.keys(pump1.state.keys).length === 2);
    assert.deepEqual(loaded.get('pump-3'), { ok: true, state: { v: 1, entity: 'pump-3', keys: {}, group: null } });

    const keys = incidentKeys(fixture.prefix);
    const ttl = await fixture.redis.pttl(keys.state('pump-1'));
    assert.ok(ttl > 3_500_000 && ttl <= 3_600_000, `ttl ${ttl}`);

    const openNow = (state: EntityState, alias: string) =>
      Object.values(state.keys).filter((k) => k.alias === alias && k.open !== null).length;
    const states = [...loaded.values()].flatMap((p) => (p.ok ? [p.state] : []));
    const counts = await store.countOpen();
    let total = 0;
    for (const alias of ['challenger', 'published']) {
      const open = states.reduce((n, s) => n + openNow(s, alias), 0);
      assert.equal(counts.get(alias) ?? 0, open, alias);
      total += open;
    }
    assert.ok(total > 0);
  });

  it('replaying batches after a crash before or after the state write gives no new transitions', async () => {
    const prefix = `${fixture.prefix}replay:`;
    const clean = new RedisIncidentStore(fixture.redis, { prefix: `${prefix}clean:`, ttlMs: 3_600_000 });
    const crashy = new RedisIncidentStore(fixture.redis, { prefix: `${prefix}crashy:`, ttlMs: 3_600_000 });
    const all = stream();

    const expected: Incident[] = [];
    for (const batch of batches(all, 5)) expected.push(...(await processBatch(clean, batch)));
    assert.ok(expected.length >= 8, `only ${expected.length} transitions`);

    // Crash after publishing but before the state write: the batch is re-read and re-processed; then a crash
    // after the state write but before the offset commit: the batch is re-read once more.
    const emitted: Incident[] = [];
    for (const batch of batches(all, 5)) {
      emitted.push(...(await processBatch(crashy, batch, false)));
      emitted.push(...(await processBatch(crashy, batch)));
      emitted.push(...(await processBatch(crashy, batch)));
    }
    const distinct = new Map(emitted.map((i) => [`${i.incidentId}/${i.sequence}`, i]));
    assert.deepEqual(ids([...distinct.values()]), ids(expected));
    assert.deepEqual([...distinct.values()], expected, 'a re-emitted transition is identical to the first');
    assert.equal(emitted.length, expected.length * 2, 'only the unsaved attempt is emitted twice');
    assert.deepEqual(await crashy.countOpen(), await clean.countOpen());
  });

  it('refuses a stored value that is not its state format, naming the key to delete', async () => {
    const key = incidentKeys(fixture.prefix).state('broken');
    await fixture.redis.set(key, '{"v":99}');
    const loaded = await store.load(['broken']);
    assert.deepEqual(loaded.get('broken'), { ok: false, message: `${key}: stored state has version 99` });
  });

  it('turns an unreachable Redis into the retriable VIGIL_REDIS_UNAVAILABLE', async () => {
    const down = new Redis({
      host: '127.0.0.1',
      port: 1,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    down.on('error', () => {});
    const unreachable = new RedisIncidentStore(down, { prefix: fixture.prefix, ttlMs: 1000 });
    try {
      await assert.rejects(unreachable.load(['pump-1']), { code: 'VIGIL_REDIS_UNAVAILABLE', retriable: true });
      const write = {
        before: { v: 1, entity: 'x', keys: {}, group: null },
        after: { v: 1, entity: 'x', keys: {}, group: null },
      } as const;
      await assert.rejects(unreachable.save([write]), { code: 'VIGIL_REDIS_UNAVAILABLE' });
      await assert.rejects(unreachable.countOpen(), { code: 'VIGIL_REDIS_UNAVAILABLE' });
    } finally {
      down.disconnect();
    }
  });
});
