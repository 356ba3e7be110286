/**
 * Throughput of the enrichment service end to end: fills a fresh input topic
 * with Avro alerts (10 signals each), starts the real service process on it
 * and times how fast the group's committed offsets reach the end.
 *
 *   node --import tsx test/integration/src/enrichment/throughput.ts [records] [entities] [partitions]
 *
 * Prints records/s from the first commit to the last (steady state) and
 * overall including start-up. Not a test: numbers depend on the machine.
 */
import { AvroCodec } from '@vigil/avro';
import { createKafka, createProducer } from '@vigil/kafka';
import { createLogger } from '@vigil/logging';
import { redisFixture, stackEnv, startService, topicsFixture, uniqueName, waitFor } from '@vigil/test-kit';
import { alert, T0 } from './stream.ts';

const records = Number(process.argv[2] ?? 50_000);
const entities = Number(process.argv[3] ?? 200);
const partitions = Number(process.argv[4] ?? 2);

const logger = createLogger({ service: 'throughput', level: 'silent' });
const kafka = createKafka({ brokers: [...stackEnv.kafkaBrokers], clientId: 'throughput', logger });
const admin = kafka.admin();
await admin.connect();
const { topics, cleanup } = await topicsFixture(admin, ['throughput-in', 'throughput-out'], partitions);
const [input, output] = topics;
const redis = await redisFixture('throughput');
try {
  const codec = new AvroCodec({ registryUrl: stackEnv.registryUrl });
  await codec.registerTopic(input, 'vigil.Alert');
  const producer = createProducer(kafka);
  await producer.connect();
  for (let start = 0; start < records; start += 2_000) {
    const messages = [];
    for (let i = start; i < Math.min(records, start + 2_000); i++) {
      const values: Record<string, number> = {};
      for (let k = 0; k < 10; k++) values[`signal_${k}`] = Math.sin(i / 7 + k) * 10 + k;
      const a = alert('bench', `asset-${i % entities}`, `id-${i}`, T0 + Math.floor(i / entities) * 1_000, values);
      messages.push({ key: a.entity, value: codec.encode<'vigil.Alert'>(input, a) });
    }
    await producer.send({ topic: input, messages });
  }
  await producer.disconnect();

  const groupId = uniqueName('throughput');
  const started = performance.now();
  const service = startService('enrichment', {
    TOPIC_ALERTS_INGESTED: input,
    TOPIC_ALERTS_ENRICHED: output,
    ENRICHMENT_GROUP_ID: groupId,
    ENRICHMENT_REDIS_PREFIX: redis.prefix,
    ENRICHMENT_METRICS_PORT: '0',
  });
  try {
    let firstCommit: number | undefined;
    await waitFor(
      'every offset committed',
      async () => {
        const [offsets] = await admin.fetchOffsets({ groupId, topics: [input] });
        const committed = (offsets?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
        if (committed > 0) firstCommit ??= performance.now();
        return committed >= records ? true : undefined;
      },
      600_000,
      200,
    );
    const ended = performance.now();
    const steady = Math.round(records / ((ended - (firstCommit ?? started)) / 1_000));
    const overall = Math.round(records / ((ended - started) / 1_000));
    console.log(
      `${records} records, ${entities} entities, ${partitions} partitions: ${steady} records/s steady, ${overall} overall`,
    );
  } finally {
    await service.kill('SIGTERM');
  }
} finally {
  await redis.cleanup();
  await cleanup();
  await admin.disconnect();
}
