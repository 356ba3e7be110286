import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { AvroCodec } from '@vigil/avro';
import { type Telemetry, valueSubject } from '@vigil/contracts';
import type { LabelLine } from '@vigil/replay';
import { stackEnv, uniqueName, waitFor } from '@vigil/test-kit';
import { Kafka, logLevel } from 'kafkajs';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const MAIN = join(ROOT, 'tools/replay/src/main.ts');
const FIXTURE = join(ROOT, 'tools/replay/src/fixtures/skab');
const run = promisify(execFile);

const kafka = new Kafka({ clientId: 'replay-int', brokers: [...stackEnv.kafkaBrokers], logLevel: logLevel.NOTHING });
const admin = kafka.admin();
const topics: string[] = [];
let scratch: string;

before(async () => {
  await admin.connect();
  scratch = await mkdtemp(join(tmpdir(), 'replay-int-'));
});

after(async () => {
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
  for (const topic of topics) {
    const subject = encodeURIComponent(valueSubject(topic));
    await fetch(`${stackEnv.registryUrl}/subjects/${subject}`, { method: 'DELETE' }).catch(() => undefined);
    await fetch(`${stackEnv.registryUrl}/subjects/${subject}?permanent=true`, { method: 'DELETE' }).catch(
      () => undefined,
    );
  }
  await rm(scratch, { recursive: true, force: true });
});

async function newTopic(prefix: string): Promise<string> {
  const topic = uniqueName(prefix);
  topics.push(topic);
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  return topic;
}

async function replay(args: string[], env: Record<string, string> = {}) {
  return run(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
  });
}

interface Received {
  key: string;
  value: Buffer;
  partition: number;
}

/** Every message on the topic: exactly as many as its offsets say, read from the start. */
async function readAll(topic: string): Promise<Received[]> {
  const offsets = await admin.fetchTopicOffsets(topic);
  const total = offsets.reduce((sum, p) => sum + Number(p.high), 0);
  const consumer = kafka.consumer({ groupId: uniqueName('replay-int') });
  const received: Received[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message, partition }) => {
        received.push({ key: String(message.key), value: message.value as Buffer, partition });
      },
    });
    await waitFor(`${total} messages on ${topic}`, () => (received.length >= total ? true : undefined), 30_000);
  } finally {
    await consumer.disconnect();
  }
  assert.equal(received.length, total);
  return received;
}

const FIXTURE_IDS = [
  ...Array.from({ length: 4 }, (_, i) => `skab/anomaly-free/anomaly-free#${i}`),
  ...Array.from({ length: 10 }, (_, i) => `skab/valve1/1#${i}`),
].sort();

/** Each message is keyed by its record's entity, and each entity stays on one partition. */
function assertKeyedByEntity(received: readonly Received[], entities: readonly string[]): void {
  const partitions = new Map<string, Set<number>>();
  for (const [i, r] of received.entries()) {
    assert.equal(r.key, entities[i]);
    partitions.set(r.key, (partitions.get(r.key) ?? new Set()).add(r.partition));
  }
  for (const [entity, set] of partitions) assert.equal(set.size, 1, `${entity} stays on one partition`);
}

describe('replay CLI against the real Kafka', () => {
  it('streams a SKAB folder as JSON: exactly the ids sent, labels only in the labels file', async () => {
    const topic = await newTopic('replay-json');
    const labelsPath = join(scratch, 'labels.jsonl');
    const started = Date.now();
    const { stdout } = await replay([FIXTURE, '--topic', topic, '--labels-out', labelsPath, '--quiet']);
    assert.match(stdout, new RegExp(`sent 14 records from 2 entities to ${topic} \\(json\\)`));
    assert.match(stdout, /skab\/valve1\/1\s+10\n/);

    const received = await readAll(topic);
    const values = received.map((r) => JSON.parse(r.value.toString('utf8')));
    assert.deepEqual(values.map((v) => v.id).sort(), FIXTURE_IDS);
    assertKeyedByEntity(
      received,
      values.map((v) => v.entity),
    );
    for (const value of values) {
      assert.deepEqual(Object.keys(value), ['id', 'source', 'entity', 'ts', 'values', 'attrs']);
      assert.equal(value.source, 'skab');
      assert.equal(Object.keys(value.values).length, 8);
      assert.ok(!('anomaly' in value.values) && !('changepoint' in value.values));
      // --time-shift end: every record lands in the past, the last of each entity at the run's start.
      const ts = Date.parse(value.ts);
      assert.ok(ts <= Date.now() && ts > started - 60_000, value.ts);
    }

    const labels = (await readFile(labelsPath, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as LabelLine);
    assert.deepEqual(labels.map((l) => l.id).sort(), FIXTURE_IDS);
    assert.equal(labels.filter((l) => l.anomaly).length, 3);
    const sentTs = new Map(values.map((v) => [v.id as string, Date.parse(v.ts)]));
    for (const label of labels) assert.equal(label.ts, sentTs.get(label.id));
  });

  it('streams generated telemetry as Avro in the Confluent wire format', async () => {
    const topic = await newTopic('replay-avro');
    const { stdout } = await replay(
      ['generate', '--entities', '2', '--duration', '20s', '--format', 'avro', '--topic', topic, '--quiet'],
      { SCHEMA_REGISTRY_URL: stackEnv.registryUrl },
    );
    assert.match(stdout, new RegExp(`sent 40 records from 2 entities to ${topic} \\(avro\\)`));

    const received = await readAll(topic);
    const codec = new AvroCodec({ registryUrl: stackEnv.registryUrl });
    const decoded: Telemetry[] = [];
    for (const r of received) decoded.push(await codec.decodeAs(r.value, 'vigil.Telemetry'));
    const expected = ['gen/pump-01', 'gen/host-02'].flatMap((e) => Array.from({ length: 20 }, (_, i) => `${e}#${i}`));
    assert.deepEqual(decoded.map((t) => t.id).sort(), expected.sort());
    assertKeyedByEntity(
      received,
      decoded.map((t) => t.entity),
    );
    const byId = new Map(decoded.map((t) => [t.id, t]));
    const pump = byId.get('gen/pump-01#0');
    assert.deepEqual(Object.keys(pump?.values ?? {}).sort(), [
      'current',
      'flow',
      'pressure',
      'temperature',
      'vibration',
    ]);
    assert.deepEqual(pump?.attrs, { asset_type: 'pump' });
  });

  it('fails with a clear message and exit 1 when Kafka cannot be reached', async () => {
    await assert.rejects(
      replay([FIXTURE, '--topic', 'never-created', '--quiet'], { KAFKA_BROKERS: '127.0.0.1:1' }),
      (error: { code: number; stderr: string }) => {
        assert.equal(error.code, 1);
        assert.match(error.stderr, /VIGIL_KAFKA_UNAVAILABLE: cannot connect to Kafka at 127\.0\.0\.1:1/);
        return true;
      },
    );
  });
});
