import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AvroCodec, writeWire } from '@vigil/avro';
import { type Alert, type TopicNames, topicNames, valueSubject } from '@vigil/contracts';
import {
  createEnrichmentMetrics,
  EnrichmentHandler,
  type EnrichmentMetrics,
  FeatureConfig,
  planCalls,
  RedisFeatureStore,
  ReferenceEntity,
} from '@vigil/enrichment';
import type { RecordOutcome, SourceRecord } from '@vigil/kafka';
import { redisFixture, stackEnv, uniqueName } from '@vigil/test-kit';
import { Registry } from 'prom-client';
import { alert, relayedRedis, T0 } from './stream.ts';

const features = FeatureConfig.parse({ default: { windowSize: 5, maxLateness: '10s' } });

let offset = 0;
function record(topic: string, value: Buffer | null): SourceRecord {
  const at = String(offset++);
  return {
    topic,
    partition: 0,
    offset: at,
    message: { key: null, value, headers: {}, timestamp: String(T0), offset: at, attributes: 0 },
  } as unknown as SourceRecord;
}

function summary(outcomes: RecordOutcome[]): string[] {
  return outcomes.map((o) => (o.kind === 'ACK' ? `ACK ${o.outputs.length}` : `DEAD_LETTER ${o.code}`));
}

async function counter(metrics: EnrichmentMetrics, name: 'lateRecords' | 'replayedRecords', label: string) {
  const { values } = await metrics[name].get();
  return values.find((v) => Object.values(v.labels).includes(label))?.value ?? 0;
}

describe('EnrichmentHandler against real Redis and the registry', () => {
  let fixture: Awaited<ReturnType<typeof redisFixture>>;
  let codec: AvroCodec;
  let topics: TopicNames;
  let metrics: EnrichmentMetrics;
  let handler: EnrichmentHandler;

  before(async () => {
    fixture = await redisFixture('enrichment-handler');
    codec = new AvroCodec({ registryUrl: stackEnv.registryUrl });
    topics = topicNames({
      TOPIC_ALERTS_INGESTED: uniqueName('enrich-in'),
      TOPIC_ALERTS_ENRICHED: uniqueName('enrich-out'),
    });
    await codec.registerTopic(topics.alertsIngested, 'vigil.Alert');
    await codec.registerTopic(topics.alertsEnriched, 'vigil.Alert');
    metrics = createEnrichmentMetrics(new Registry());
    handler = new EnrichmentHandler(
      { features, maxRecordsPerCall: 3 },
      {
        codec,
        store: new RedisFeatureStore(fixture.redis, { prefix: fixture.prefix, ttlMs: 60_000 }),
        topics,
        metrics,
      },
    );
  });
  after(async () => {
    await fixture.cleanup();
    for (const topic of [topics.alertsIngested, topics.alertsEnriched]) {
      const subject = encodeURIComponent(valueSubject(topic));
      await fetch(`${stackEnv.registryUrl}/subjects/${subject}`, { method: 'DELETE' });
      await fetch(`${stackEnv.registryUrl}/subjects/${subject}?permanent=true`, { method: 'DELETE' });
    }
  });

  it('publishes each alert with its features on alerts.enriched keyed by entity, and dead-letters undecodable input', async () => {
    const alerts: Alert[] = [
      alert('s', 'pump-1', 'p1-0', T0, { temp: 20, flow: 3 }),
      alert('s', 'pump-2', 'p2-0', T0, { temp: 50 }),
      alert('s', 'pump-1', 'p1-1', T0 + 1_000, { temp: 21, flow: 3.5 }),
      alert('s', 'pump-1', 'p1-2', T0 + 2_000, { temp: 23, flow: 2.5 }),
      alert('s', 'pump-1', 'p1-3', T0 + 500, { temp: 99, flow: 0 }),
      alert('s', 'pump-1', 'p1-4', T0 + 3_000, { temp: 22, flow: 3 }),
    ];
    const batch = [
      ...alerts.slice(0, 3).map((a) => record(topics.alertsIngested, codec.encode(topics.alertsIngested, a))),
      record(topics.alertsIngested, Buffer.from('{"not":"avro"}')),
      record(topics.alertsIngested, null),
      record(topics.alertsIngested, writeWire(codec.schemaIdFor(topics.alertsIngested), Buffer.from([0xff, 0xff]))),
      ...alerts.slice(3).map((a) => record(topics.alertsIngested, codec.encode(topics.alertsIngested, a))),
    ];
    const outcomes = await handler.process(batch);
    assert.deepEqual(summary(outcomes), [
      'ACK 1',
      'ACK 1',
      'ACK 1',
      'DEAD_LETTER VIGIL_AVRO_BAD_MAGIC_BYTE',
      'DEAD_LETTER VIGIL_AVRO_MALFORMED',
      'DEAD_LETTER VIGIL_AVRO_MALFORMED',
      'ACK 1',
      'ACK 1',
      'ACK 1',
    ]);

    // The expected features: the reference fed with the same calls.
    const inputs = alerts.map((a, i) => ({
      index: i,
      alert: a,
      topic: topics.alertsIngested,
      partition: 0,
      offset: '',
    }));
    inputs.forEach((input, i) => {
      input.offset = (batch[i < 3 ? i : i + 3] as SourceRecord).offset;
    });
    const references = new Map<string, ReferenceEntity>();
    const expected = new Map<string, Record<string, number>>();
    for (const call of planCalls(inputs, features, 3)) {
      let reference = references.get(call.entity);
      if (!reference) {
        reference = new ReferenceEntity();
        references.set(call.entity, reference);
      }
      const result = reference.call(call, call.settings);
      call.records.forEach((r, i) => {
        expected.set(r.id, result.records[i]?.features ?? {});
      });
    }

    const published = outcomes.flatMap((o) => (o.kind === 'ACK' ? o.outputs : []));
    assert.deepEqual(
      published.map((m) => [m.topic, m.key]),
      alerts.map((a) => [topics.alertsEnriched, a.entity]),
    );
    for (const [i, message] of published.entries()) {
      const enriched = JSON.parse(
        JSON.stringify(await codec.decodeAs(message.value as Buffer, 'vigil.Alert')),
      ) as Alert;
      const original = alerts[i] as Alert;
      assert.deepEqual({ ...enriched, features: {} }, original, 'everything but features passes through');
      assert.deepEqual(enriched.features, expected.get(original.id), `features of ${original.id}`);
    }
    const late = await codec.decodeAs(published[4]?.value as Buffer, 'vigil.Alert');
    assert.equal(late.features['_entity.late'], 0, 'late by 2.5 s, within the 10 s allowed');
    assert.equal(late.features['temp.last'], 23, 'compared with the current state');
    assert.equal(await counter(metrics, 'lateRecords', 'tolerated'), 1);
  });

  it('gives a retried batch the very same output bytes and applies nothing twice', async () => {
    const batch = [0, 1, 2, 3].map((i) =>
      record(
        topics.alertsIngested,
        codec.encode(topics.alertsIngested, alert('s', 'retry', `r-${i}`, T0 + i * 1_000, { temp: i * i })),
      ),
    );
    const first = await handler.process(batch);
    const again = await handler.process(batch);
    assert.deepEqual(again, first);
    assert.equal(await counter(metrics, 'replayedRecords', 'exact'), 4);
    const [next] = await handler.process([
      record(
        topics.alertsIngested,
        codec.encode(topics.alertsIngested, alert('s', 'retry', 'r-4', T0 + 4_000, { temp: 16 })),
      ),
    ]);
    const enriched = await codec.decodeAs(
      next?.kind === 'ACK' ? (next.outputs[0]?.value as Buffer) : Buffer.alloc(0),
      'vigil.Alert',
    );
    assert.equal(enriched.features['temp.mean'], (0 + 1 + 4 + 9) / 4);
  });

  it('throws the retriable VIGIL_REDIS_UNAVAILABLE when Redis is cut off, dead-lettering nothing', async () => {
    const { redis, relay, close } = await relayedRedis();
    try {
      const offline = new EnrichmentHandler(
        { features, maxRecordsPerCall: 500 },
        {
          codec,
          store: new RedisFeatureStore(redis, { prefix: fixture.prefix, ttlMs: 60_000 }),
          topics,
          metrics: createEnrichmentMetrics(new Registry()),
        },
      );
      await relay.cut();
      const batch = [
        record(topics.alertsIngested, codec.encode(topics.alertsIngested, alert('s', 'x', 'x-1', T0, { a: 1 }))),
        record(topics.alertsIngested, Buffer.from('junk')),
      ];
      await assert.rejects(offline.process(batch), { code: 'VIGIL_REDIS_UNAVAILABLE', retriable: true });
    } finally {
      await close();
    }
  });

  it('throws the retriable VIGIL_REGISTRY_UNAVAILABLE when a writer schema cannot be fetched', async () => {
    const blind = new EnrichmentHandler(
      { features, maxRecordsPerCall: 500 },
      {
        codec: new AvroCodec({ registryUrl: 'http://127.0.0.1:1/apis/ccompat/v7' }),
        store: new RedisFeatureStore(fixture.redis, { prefix: fixture.prefix, ttlMs: 60_000 }),
        topics,
        metrics: createEnrichmentMetrics(new Registry()),
      },
    );
    const batch = [
      record(topics.alertsIngested, codec.encode(topics.alertsIngested, alert('s', 'y', 'y-1', T0, { a: 1 }))),
    ];
    await assert.rejects(blind.process(batch), { code: 'VIGIL_REGISTRY_UNAVAILABLE', retriable: true });
  });
});
