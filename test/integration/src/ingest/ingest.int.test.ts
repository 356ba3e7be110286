import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AvroCodec, writeWire } from '@vigil/avro';
import { DLQ_HEADERS, dlqTopic, loadSchemas, valueSubject } from '@vigil/contracts';
import {
  readTopics,
  redisFixture,
  type ServiceProcess,
  stackEnv,
  startService,
  TcpRelay,
  testKafka,
  uniqueName,
  waitFor,
} from '@vigil/test-kit';
import type { Admin, Producer } from 'kafkajs';

const kafka = testKafka('ingest-test');
let admin: Admin;
let producer: Producer;
const cleanups: (() => Promise<unknown>)[] = [];

before(async () => {
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
});
after(async () => {
  await producer.disconnect();
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await admin.disconnect();
});

/** Unique raw, ingested and DLQ topics, a Redis prefix, and the env that points ingest at them. */
async function ingestFixture(overrides: Record<string, string> = {}) {
  const raw = uniqueName('raw');
  const ingested = uniqueName('ingested');
  const topics = [raw, ingested, dlqTopic(raw)];
  await admin.createTopics({ waitForLeaders: true, topics: topics.map((topic) => ({ topic, numPartitions: 3 })) });
  const redis = await redisFixture('ingest');
  cleanups.push(
    () => admin.deleteTopics({ topics }),
    redis.cleanup,
    async () => {
      for (const topic of topics)
        await fetch(`${stackEnv.registryUrl}/subjects/${valueSubject(topic)}`, { method: 'DELETE' });
    },
  );
  const env = {
    TOPIC_TELEMETRY_RAW: raw,
    TOPIC_ALERTS_INGESTED: ingested,
    INGEST_GROUP_ID: uniqueName('ingest'),
    INGEST_REDIS_PREFIX: redis.prefix,
    INGEST_METRICS_PORT: '0',
    INGEST_RETRY_MAX: '1s',
    // The broker's minimum: a SIGKILLed member's partitions move on after 6 s, not 30.
    INGEST_SESSION_TIMEOUT: '6s',
    ...overrides,
  };
  return { raw, ingested, dlq: dlqTopic(raw), env, redis };
}

async function stop(service: ServiceProcess): Promise<void> {
  const code = await service.kill('SIGTERM');
  assert.equal(code, 0, `ingest exited with ${code}:\n${service.output()}`);
}

const now = Date.now();
function telemetry(id: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    source: 'test',
    entity: `entity-${id}`,
    ts: now - 1_000,
    values: { temp: 20.5, flow: 3 },
    attrs: { site: 'a' },
    ...extra,
  };
}

describe('ingest against the real stack', () => {
  it('accounts for every id exactly once: valid ones on alerts.ingested, each bad one on the DLQ with its code', async () => {
    const f = await ingestFixture({ INGEST_MAX_RECORD_BYTES: '2000' });
    const codec = await AvroCodec.connect({ registryUrl: stackEnv.registryUrl });
    await codec.registerTopic(f.raw, 'vigil.Telemetry');
    const expected = new Map<string, string>();
    const messages: { key: string; value: Buffer | string }[] = [];
    const add = (id: string, value: Buffer | string, outcome: string) => {
      expected.set(id, outcome);
      messages.push({ key: id, value });
    };
    for (let i = 0; i < 40; i++) add(`json-${i}`, JSON.stringify(telemetry(`json-${i}`)), 'OK');
    for (let i = 0; i < 20; i++) {
      const record = { ...telemetry(`avro-${i}`), id: `avro-${i}`, attrs: {} };
      add(`avro-${i}`, codec.encode<'vigil.Telemetry'>(f.raw, record), 'OK');
    }
    add('bad-json', '{"id": "bad-json", "source": ', 'VIGIL_INGEST_MALFORMED_JSON');
    add('bad-magic', Buffer.from([1, 0, 0, 0, 1, 2, 3]), 'VIGIL_AVRO_BAD_MAGIC_BYTE');
    add('unknown-schema', writeWire(1_999_999_999, Buffer.from([0, 2])), 'VIGIL_AVRO_UNKNOWN_SCHEMA');
    add('bad-avro', writeWire(codec.schemaIdFor(f.raw), Buffer.from([0xff, 0xff, 0xff])), 'VIGIL_AVRO_MALFORMED');
    add('no-entity', JSON.stringify({ ...telemetry('no-entity'), entity: undefined }), 'VIGIL_INGEST_INVALID_FIELD');
    add(
      'text-value',
      JSON.stringify(telemetry('text-value', { values: { temp: 'hot' } })),
      'VIGIL_INGEST_INVALID_FIELD',
    );
    add('infinite', JSON.stringify(telemetry('infinite')).replace('20.5', '1e999'), 'VIGIL_INGEST_NON_FINITE');
    add('too-old', JSON.stringify(telemetry('too-old', { ts: now - 40 * 86_400_000 })), 'VIGIL_INGEST_TS_TOO_OLD');
    add(
      'future',
      JSON.stringify(telemetry('future', { ts: new Date(now + 3_600_000).toISOString() })),
      'VIGIL_INGEST_TS_IN_FUTURE',
    );
    add(
      'oversized',
      JSON.stringify(telemetry('oversized', { attrs: { blob: 'x'.repeat(3000) } })),
      'VIGIL_INGEST_OVERSIZED',
    );
    await producer.send({ topic: f.raw, messages });
    const service = startService('ingest', f.env);
    await readTopics(kafka, [f.ingested], { until: (m) => m.some((x) => x.key === 'entity-json-0') });
    // The same id again, with other content, once the first is in: a true duplicate.
    await producer.send({
      topic: f.raw,
      messages: [{ key: 'json-0-again', value: JSON.stringify(telemetry('json-0', { values: { temp: 99 } })) }],
    });
    expected.set('json-0-again', 'VIGIL_INGEST_DUPLICATE');
    const read = await readTopics(kafka, [f.ingested, f.dlq], {
      until: (m) => m.length >= expected.size,
      timeoutMs: 60_000,
    });
    await stop(service);

    const seen = new Map<string, string>();
    for (const m of read) {
      const id = m.topic === f.ingested ? (m.key ?? '').replace(/^entity-/, '') : (m.key ?? '');
      assert.ok(!seen.has(id), `${id} appeared twice`);
      seen.set(id, m.topic === f.ingested ? 'OK' : (m.headers[DLQ_HEADERS.code] ?? 'no code'));
    }
    assert.deepEqual(Object.fromEntries([...seen].sort()), Object.fromEntries([...expected].sort()));

    // Outputs are vigil.Alert with the input id, event time and values; DLQ keeps the bytes.
    const alert = await codec.decodeAs(
      read.find((m) => m.topic === f.ingested)?.value ?? Buffer.alloc(0),
      'vigil.Alert',
    );
    assert.equal(alert.entity, `entity-${alert.id}`);
    assert.equal(alert.ts, now - 1_000);
    assert.deepEqual({ ...alert.values }, { temp: 20.5, flow: 3 });
    const badJson = read.find((m) => m.key === 'bad-json');
    assert.equal(badJson?.value.toString(), '{"id": "bad-json", "source": ');
    assert.equal(badJson?.headers[DLQ_HEADERS.stage], 'ingest');
    assert.equal(badJson?.headers[DLQ_HEADERS.sourceTopic], f.raw);
  });

  it('loses no id when killed with SIGKILL mid-stream, and does not publish a replayed record twice', async () => {
    const f = await ingestFixture({ INGEST_MAX_BATCH_RECORDS: '200' });
    const total = 6_000;
    const ids = Array.from({ length: total }, (_, i) => `k-${i}`);
    for (let start = 0; start < total; start += 1_000) {
      await producer.send({
        topic: f.raw,
        messages: ids.slice(start, start + 1_000).map((id) => ({
          key: id,
          value: JSON.stringify({ ...telemetry(id), entity: `entity-${Number(id.slice(2)) % 7}` }),
        })),
      });
    }
    const first = startService('ingest', f.env);
    await readTopics(kafka, [f.ingested], { until: (m) => m.length >= 1_000, timeoutMs: 60_000 });
    first.child.kill('SIGKILL');
    assert.equal(await first.exited, 'SIGKILL');

    const second = startService('ingest', f.env);
    const decoder = new AvroCodec({ registryUrl: stackEnv.registryUrl });
    // Wait for every id, not for `total` outputs: the at-least-once duplicates count among the
    // outputs, so stopping at `total` of them could stop the service before it read the last records.
    const alertType = loadSchemas().get('vigil.Alert')?.type as { fromBuffer: (b: Buffer) => { id: string } };
    const read = await readTopics(kafka, [f.ingested, f.dlq], {
      until: (m) =>
        new Set(m.filter((x) => x.topic === f.ingested).map((x) => alertType.fromBuffer(x.value.subarray(5)).id))
          .size >= total,
      timeoutMs: 90_000,
    });
    await stop(second);
    const alerts = await Promise.all(
      read.filter((m) => m.topic === f.ingested).map((m) => decoder.decodeAs(m.value, 'vigil.Alert')),
    );
    const published = new Set(alerts.map((a) => a.id));
    assert.deepEqual(
      ids.filter((id) => !published.has(id)),
      [],
      'ids lost',
    );
    // At-least-once leaves at most the records published but not yet marked when the kill came;
    // nothing re-read after a restart reaches the DLQ as a duplicate of itself.
    const duplicates = alerts.length - published.size;
    assert.ok(duplicates <= 1_000, `${duplicates} duplicates`);
    assert.equal(read.filter((m) => m.topic === f.dlq).length, 0);
  });

  it('waits while Redis or the registry is down, dead-letters nothing good, and recovers by itself', async () => {
    const redisRelay = new TcpRelay('127.0.0.1', Number(new URL(stackEnv.redisUrl).port || 6379));
    const registryUrl = new URL(stackEnv.registryUrl);
    const registryRelay = new TcpRelay(registryUrl.hostname, Number(registryUrl.port));
    const redisPort = await redisRelay.open();
    const registryPort = await registryRelay.open();
    cleanups.push(
      () => redisRelay.cut(),
      () => registryRelay.cut(),
    );
    const f = await ingestFixture({
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      SCHEMA_REGISTRY_URL: `http://127.0.0.1:${registryPort}${registryUrl.pathname}`,
    });
    const codec = await AvroCodec.connect({ registryUrl: stackEnv.registryUrl });
    await codec.registerTopic(f.raw, 'vigil.Telemetry');
    const service = startService('ingest', f.env);
    await producer.send({ topic: f.raw, messages: [{ key: 'warm', value: JSON.stringify(telemetry('warm')) }] });
    await readTopics(kafka, [f.ingested], { until: (m) => m.length >= 1 });

    // Both dependencies go away; records keep arriving (JSON needs Redis, Avro also needs the registry).
    await redisRelay.cut();
    await registryRelay.cut();
    const outputBefore = service.output().length;
    const during = Array.from({ length: 30 }, (_, i) => `down-${i}`);
    await producer.send({
      topic: f.raw,
      messages: during.map((id, i) => ({
        key: id,
        value:
          i % 2 === 0
            ? JSON.stringify(telemetry(id))
            : codec.encode<'vigil.Telemetry'>(f.raw, { ...telemetry(id), attrs: {} }),
      })),
    });
    // The service logs each retry with the error code: it has met the outage with these records in hand.
    await waitFor('the service to retry the records', () =>
      /VIGIL_(REDIS|REGISTRY)_UNAVAILABLE/.test(service.output().slice(outputBefore)) ? true : undefined,
    );
    const whileDown = await readTopics(kafka, [f.ingested, f.dlq], { idleMs: 1_000 });
    assert.equal(
      whileDown.length,
      1,
      'nothing but the warm-up record may come out while Redis and the registry are down',
    );

    await redisRelay.open();
    await registryRelay.open();
    const read = await readTopics(kafka, [f.ingested, f.dlq], {
      until: (m) => m.length >= 1 + during.length,
      timeoutMs: 60_000,
    });
    await stop(service);
    assert.equal(read.filter((m) => m.topic === f.dlq).length, 0, 'a good record reached the DLQ');
    assert.deepEqual(
      read
        .filter((m) => m.topic === f.ingested)
        .map((m) => (m.key ?? '').replace('entity-', ''))
        .sort(),
      ['warm', ...during].sort(),
    );
  });

  it('started before Kafka is reachable, waits for it instead of exiting, then processes', async () => {
    // The service bootstraps through a relay that is closed at first; once open, the broker's metadata
    // sends it to the real listener.
    const kafkaRelay = new TcpRelay('127.0.0.1', Number(stackEnv.kafkaBrokers[0]?.split(':')[1] ?? 9092));
    const port = await kafkaRelay.open();
    await kafkaRelay.cut();
    cleanups.push(() => kafkaRelay.cut());
    const f = await ingestFixture({ KAFKA_BROKERS: `127.0.0.1:${port}` });
    const service = startService('ingest', f.env);
    cleanups.push(() => service.kill('SIGKILL'));
    // kafkajs retries a connect by itself for about 30 s; the service must outlast that and keep waiting.
    await waitFor(
      'the service to report it waits for Kafka',
      async () => (/waiting for kafka/.test(service.output()) ? true : undefined),
      90_000,
    );
    assert.equal(service.child.exitCode, null, `ingest exited while Kafka was unreachable:\n${service.output()}`);

    await kafkaRelay.open(port);
    await producer.send({ topic: f.raw, messages: [{ key: 'late', value: JSON.stringify(telemetry('late')) }] });
    const read = await readTopics(kafka, [f.ingested], { until: (m) => m.length >= 1, timeoutMs: 60_000 });
    await stop(service);
    assert.deepEqual(
      read.map((m) => m.key),
      ['entity-late'],
    );
  });
});
