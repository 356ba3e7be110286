import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AvroCodec, HEADER_LENGTH } from '@vigil/avro';
import { type Alert, DLQ_HEADERS, dlqTopic, topicNames, valueSubject } from '@vigil/contracts';
import {
  createEnrichmentMetrics,
  EnrichmentHandler,
  FeatureConfig,
  planCalls,
  RedisFeatureStore,
  ReferenceEntity,
} from '@vigil/enrichment';
import { BatchConsumer, type BatchHandler, createKafka, createProducer } from '@vigil/kafka';
import { createLogger } from '@vigil/logging';
import { createMetricsRegistry } from '@vigil/metrics';
import {
  type ReadMessage,
  readTopics,
  redisFixture,
  stackEnv,
  startService,
  testKafka,
  topicsFixture,
  uniqueName,
  waitFor,
} from '@vigil/test-kit';
import type { Admin, Producer } from 'kafkajs';
import { alert, prng, T0 } from './stream.ts';

const FEATURE_CONFIG = {
  default: {
    windowSize: 10,
    ewma: { ewma: 0.3, ewma_slow: 0.05 },
    season: { length: '1m', slots: 6 },
    maxLateness: '5s',
  },
};
const features = FeatureConfig.parse(FEATURE_CONFIG);
const logger = createLogger({ service: 'test', level: 'silent' });
const kafka = createKafka({ brokers: [...stackEnv.kafkaBrokers], clientId: 'enrichment-e2e', logger });
const reader = testKafka();
let admin: Admin;
let codec: AvroCodec;
const subjects: string[] = [];

/** Alerts of several entities, 1 s apart with some late ones, in the order they are produced. */
function alerts(count: number, seed: number): Alert[] {
  const random = prng(seed);
  const clocks = new Map<string, number>();
  return Array.from({ length: count }, (_, i) => {
    const entity = `asset-${Math.floor(random() * 6)}`;
    const clock = (clocks.get(entity) ?? T0) + 1_000;
    clocks.set(entity, clock);
    const ts = random() < 0.05 ? clock - 1_000 - Math.floor(random() * 10_000) : clock;
    return alert('e2e', entity, `${entity}/${i}`, ts, { temp: 20 + random() * 5, load: Math.floor(random() * 100) });
  });
}

/** Features each alert must get: every alert applied once, in produce order per entity. */
function expectedFeatures(inputs: readonly Alert[]): Map<string, Record<string, number>> {
  const references = new Map<string, ReferenceEntity>();
  const expected = new Map<string, Record<string, number>>();
  inputs.forEach((a, i) => {
    let reference = references.get(a.entity);
    if (!reference) {
      reference = new ReferenceEntity();
      references.set(a.entity, reference);
    }
    const [call] = planCalls([{ index: 0, alert: a, topic: 'in', partition: 0, offset: String(i) }], features, 1);
    if (!call) throw new Error('no call planned');
    expected.set(a.id, reference.call(call, call.settings).records[0]?.features ?? {});
  });
  return expected;
}

/**
 * A producer per test: kafkajs keeps every topic a producer ever wrote to in its
 * metadata requests, and fails them once another test deleted its topics.
 */
async function withProducer<T>(run: (producer: Producer) => Promise<T>): Promise<T> {
  const producer = createProducer(kafka);
  await producer.connect();
  try {
    return await run(producer);
  } finally {
    await producer.disconnect();
  }
}

async function produce(
  producer: Producer,
  topic: string,
  inputs: readonly Alert[],
  junk: Buffer[] = [],
): Promise<void> {
  await producer.send({
    topic,
    messages: [
      ...inputs.map((a) => ({ key: a.entity, value: codec.encode<'vigil.Alert'>(topic, a) })),
      ...junk.map((value, i) => ({ key: `junk-${i}`, value })),
    ],
  });
}

/** Decoded outputs by id, each with every copy's bytes (a re-delivered record may be published twice). */
async function outputsById(messages: readonly ReadMessage[]): Promise<Map<string, { alert: Alert; copies: Buffer[] }>> {
  const byId = new Map<string, { alert: Alert; copies: Buffer[] }>();
  for (const message of messages) {
    const decoded = JSON.parse(JSON.stringify(await codec.decodeAs(message.value, 'vigil.Alert'))) as Alert;
    assert.equal(message.key, decoded.entity, 'keyed by entity');
    const entry = byId.get(decoded.id) ?? { alert: decoded, copies: [] };
    entry.copies.push(message.value);
    byId.set(decoded.id, entry);
  }
  return byId;
}

function assertEnriched(
  byId: Map<string, { alert: Alert; copies: Buffer[] }>,
  inputs: readonly Alert[],
  expected: Map<string, Record<string, number>>,
): void {
  assert.deepEqual([...byId.keys()].sort(), inputs.map((a) => a.id).sort(), 'every input id, and no other, came out');
  for (const input of inputs) {
    const { alert: out, copies } = byId.get(input.id) ?? assert.fail(`missing ${input.id}`);
    assert.deepEqual({ ...out, features: {} }, input, `${input.id} passes through unchanged`);
    assert.deepEqual(out.features, expected.get(input.id), `features of ${input.id}`);
    for (const copy of copies) assert.ok(copy.equals(copies[0] as Buffer), `copies of ${input.id} are identical`);
  }
}

before(async () => {
  admin = kafka.admin();
  await admin.connect();
  codec = new AvroCodec({ registryUrl: stackEnv.registryUrl });
});
after(async () => {
  await admin.disconnect();
  for (const subject of subjects) {
    await fetch(`${stackEnv.registryUrl}/subjects/${encodeURIComponent(subject)}`, { method: 'DELETE' });
    await fetch(`${stackEnv.registryUrl}/subjects/${encodeURIComponent(subject)}?permanent=true`, { method: 'DELETE' });
  }
});

describe('enrichment end to end through Kafka', () => {
  it('runs as a service: every id enriched exactly once, junk dead-lettered, late records counted, clean stop', async () => {
    const { topics, cleanup } = await topicsFixture(admin, ['enrich-in', 'enrich-out']);
    const [input, output] = topics;
    await admin.createTopics({ topics: [{ topic: dlqTopic(input), numPartitions: 1 }] });
    subjects.push(valueSubject(input), valueSubject(output));
    const redis = await redisFixture('enrichment-e2e');
    const dir = mkdtempSync(join(tmpdir(), 'vigil-enrichment-'));
    writeFileSync(join(dir, 'features.json'), JSON.stringify(FEATURE_CONFIG));
    const service = startService('enrichment', {
      TOPIC_ALERTS_INGESTED: input,
      TOPIC_ALERTS_ENRICHED: output,
      ENRICHMENT_GROUP_ID: uniqueName('enrichment'),
      ENRICHMENT_REDIS_PREFIX: redis.prefix,
      ENRICHMENT_CONFIG: join(dir, 'features.json'),
      ENRICHMENT_METRICS_PORT: '0',
      ENRICHMENT_MAX_BATCH_RECORDS: '100',
      LOG_LEVEL: 'info',
    });
    try {
      await codec.registerTopic(input, 'vigil.Alert');
      const inputs = alerts(600, 7);
      const junk = [Buffer.from('{"not":"avro"}'), Buffer.from([0, 0, 0, 0])];
      await withProducer((producer) => produce(producer, input, inputs, junk));

      const read = await readTopics(reader, [output, dlqTopic(input)], {
        until: (m) => m.length >= inputs.length + junk.length,
        timeoutMs: 90_000,
      });
      const enriched = read.filter((m) => m.topic === output);
      assert.equal(enriched.length, inputs.length, 'no duplicates without a crash');
      assertEnriched(await outputsById(enriched), inputs, expectedFeatures(inputs));
      assert.deepEqual(
        read
          .filter((m) => m.topic === dlqTopic(input))
          .map((m) => m.headers[DLQ_HEADERS.code])
          .sort(),
        ['VIGIL_AVRO_BAD_MAGIC_BYTE', 'VIGIL_AVRO_MALFORMED'],
      );

      // The late records counted by the service equal those the rule picks out.
      const late = [...expectedFeatures(inputs).entries()].filter(([, f]) => (f['_entity.dt_s'] ?? 0) < 0);
      const flagged = late.filter(([, f]) => f['_entity.late'] === 1).length;
      const url = await waitFor('metrics url', () => /"metrics":"([^"]+)"/.exec(service.output())?.[1]);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      assert.match(
        metrics,
        new RegExp(`vigil_enrichment_late_records_total\\{[^}]*kind="tolerated"[^}]*\\} ${late.length - flagged}\\n`),
      );
      assert.match(
        metrics,
        new RegExp(`vigil_enrichment_late_records_total\\{[^}]*kind="flagged"[^}]*\\} ${flagged}\\n`),
      );
      assert.match(metrics, /vigil_enrichment_entities_created_total(\{[^}]*\})? 6\n/);
      assert.ok(flagged > 0 && late.length > flagged, 'the stream has both kinds of late records');

      assert.equal(await service.kill('SIGTERM'), 0, service.output());
    } finally {
      await service.kill('SIGKILL');
      await redis.cleanup();
      await cleanup();
      await admin.deleteTopics({ topics: [dlqTopic(input)] }).catch(() => undefined);
    }
  });

  it('after a crash between publish and commit, re-publishes the same bytes and applies nothing twice', async () => {
    const { topics, cleanup } = await topicsFixture(admin, ['enrich-crash-in', 'enrich-crash-out']);
    const [input, output] = topics;
    subjects.push(valueSubject(input), valueSubject(output));
    const redis = await redisFixture('enrichment-crash');
    const names = topicNames({ TOPIC_ALERTS_INGESTED: input, TOPIC_ALERTS_ENRICHED: output });
    await codec.registerTopic(input, 'vigil.Alert');
    await codec.registerTopic(output, 'vigil.Alert');
    const groupId = uniqueName('enrichment');
    const handler = new EnrichmentHandler(
      { features, maxRecordsPerCall: 7 },
      {
        codec,
        store: new RedisFeatureStore(redis.redis, { prefix: redis.prefix, ttlMs: 600_000 }),
        topics: names,
        metrics: createEnrichmentMetrics(createMetricsRegistry({ service: 'test', defaultMetrics: false })),
      },
    );
    const consumer = (producer: Producer, wrapped: BatchHandler, onFatal: (error: unknown) => void) =>
      new BatchConsumer({
        kafka,
        producer,
        groupId,
        topics: [input],
        stage: 'enrichment',
        handler: wrapped,
        logger,
        metrics: { registry: createMetricsRegistry({ service: 'test', defaultMetrics: false }) },
        retry: { initialMs: 20, maxMs: 200 },
        maxBatchRecords: 40,
        onFatal,
      });
    try {
      await withProducer(async (producer) => {
        const inputs = alerts(400, 11);
        await produce(producer, input, inputs);

        // First run: the third chunk is published, then the process "dies" before its offsets are committed.
        let chunks = 0;
        let died: unknown;
        const crashing: BatchHandler = {
          process: (records) => handler.process(records),
          afterPublish: async () => {
            if (++chunks === 3) throw new Error('simulated crash after publish');
          },
        };
        const first = consumer(producer, crashing, (error) => {
          died = error;
        });
        await first.start();
        await waitFor('the simulated crash', () => (died === undefined ? undefined : true));
        await first.close();

        // Restart with the same group: it resumes from the last commit, so the third chunk comes again.
        const second = consumer(producer, handler, (error) => assert.fail(String(error)));
        await second.start();
        const read = await readTopics(reader, [output], {
          until: (m) => distinctIds(m) >= inputs.length,
          timeoutMs: 90_000,
        });
        await second.close();

        const byId = await outputsById(read);
        assert.ok(read.length > inputs.length, 'the crashed chunk was published twice');
        assertEnriched(byId, inputs, expectedFeatures(inputs));
      });
    } finally {
      await redis.cleanup();
      await cleanup();
      await admin.deleteTopics({ topics: [dlqTopic(input)] }).catch(() => undefined);
    }
  });
});

/** Distinct alert ids among the messages, decoded synchronously with the local schema (the writer's). */
function distinctIds(messages: readonly ReadMessage[]): number {
  const type = codec.schema('vigil.Alert').type;
  return new Set(messages.map((m) => (type.fromBuffer(m.value.subarray(HEADER_LENGTH)) as Alert).id)).size;
}
