/**
 * @bench-worker — not a benchmark by itself: the child process that
 * `startPassthrough` (lib/passthrough.ts) runs as the ceiling of a stage.
 *
 * Plain kafkajs consume → produce → commit of whatever is on PASSTHROUGH_INPUT
 * to PASSTHROUGH_OUTPUT, as little work per record as a stage can do: no
 * decoding, no checks, no Redis. It uses what every stage uses: the
 * `createProducer` of @vigil/kafka (idempotent, one request in flight, acks -1),
 * and the consume pattern of its BatchConsumer (250 ms fetch wait, kafkajs's
 * default fetch sizes, manual commits, the partition batches of one fetch
 * gathered into one group): one `sendBatch` per fetch, then one commit of every
 * partition in it.
 */
import { createProducer, FETCH_WORKERS, gatherFetches } from '@vigil/kafka';
import { type EachBatchPayload, Kafka, logLevel } from 'kafkajs';

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    process.stderr.write(`passthrough: ${name} is not set\n`);
    process.exit(2);
  }
  return value;
}

const input = required('PASSTHROUGH_INPUT');
const output = required('PASSTHROUGH_OUTPUT');
const groupId = required('PASSTHROUGH_GROUP_ID');
const kafka = new Kafka({
  clientId: 'vigil-bench-passthrough',
  brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
  logLevel: logLevel.WARN,
});
const producer = createProducer(kafka);
const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 250 });

let stopping: Promise<void> | undefined;
function stop(code: number): Promise<void> {
  stopping ??= (async () => {
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    process.exit(code);
  })();
  return stopping;
}
process.on('SIGTERM', () => void stop(0));
process.on('SIGINT', () => void stop(0));
consumer.on(consumer.events.CRASH, (event) => {
  if (!event.payload.restart) {
    process.stderr.write(`passthrough: consumer crashed: ${event.payload.error.message}\n`);
    void stop(1);
  }
});

await producer.connect();
await consumer.connect();
await consumer.subscribe({ topics: [input], fromBeginning: true });

async function passGroup(group: EachBatchPayload[]): Promise<void> {
  const messages = group.flatMap(({ batch }) =>
    batch.messages.map((message) => ({ key: message.key, value: message.value })),
  );
  await producer.sendBatch({ topicMessages: [{ topic: output, messages }], acks: -1 });
  const partitions = group.map(({ batch, resolveOffset }) => {
    resolveOffset(batch.lastOffset());
    return { partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() };
  });
  await group[0]?.commitOffsetsIfNecessary({ topics: [{ topic: input, partitions }] });
}

// The gathering of the BatchConsumer itself (@vigil/kafka), so both wait on the same round trips.
const fetches = gatherFetches(passGroup);
await consumer.run({
  autoCommit: false,
  eachBatchAutoResolve: false,
  partitionsConsumedConcurrently: FETCH_WORKERS,
  eachBatch: (payload) => fetches.eachBatch(payload),
});
