/**
 * @bench-worker — the passthrough hop of bench/src/passthrough.ts on
 * @platformatic/kafka instead of kafkajs, for bench/src/kafka-client.ts.
 *
 * Same work and the same settings where the two clients have them: a group
 * consumer from the earliest offset with manual commits, 250 ms fetch wait,
 * 1 MiB per partition and 10 MiB per fetch (kafkajs's defaults); an idempotent
 * producer with acks from all in-sync replicas and one send in flight. What
 * differs is the consumer's shape: @platformatic/kafka delivers a stream of
 * messages and keeps fetching while they wait, so every turn takes whatever
 * the stream holds (one fetch or more), sends it in one request, then commits
 * the offset after the last record of each partition in it.
 */
import { Consumer, type Message, ProduceAcks, Producer } from '@platformatic/kafka';

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    process.stderr.write(`platformatic passthrough: ${name} is not set\n`);
    process.exit(2);
  }
  return value;
}

const input = required('PASSTHROUGH_INPUT');
const output = required('PASSTHROUGH_OUTPUT');
const groupId = required('PASSTHROUGH_GROUP_ID');
const bootstrapBrokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

const producer = new Producer({
  clientId: 'vigil-bench-platformatic-passthrough',
  bootstrapBrokers,
  idempotent: true,
  acks: ProduceAcks.ALL,
  autocreateTopics: false,
});
const consumer = new Consumer({
  clientId: 'vigil-bench-platformatic-passthrough',
  bootstrapBrokers,
  groupId,
  autocommit: false,
  maxWaitTime: 250,
  maxBytes: 10 * 1024 * 1024,
});

let stopping: Promise<void> | undefined;
function stop(code: number): Promise<void> {
  stopping ??= (async () => {
    await consumer.close(true).catch(() => undefined);
    await producer.close().catch(() => undefined);
    process.exit(code);
  })();
  return stopping;
}
process.on('SIGTERM', () => void stop(0));
process.on('SIGINT', () => void stop(0));

const stream = await consumer.consume({
  topics: [input],
  mode: 'earliest',
  maxBytesPerPartition: 1024 * 1024,
});
stream.on('error', (error: Error) => {
  process.stderr.write(`platformatic passthrough: consumer failed: ${error.message}\n`);
  void stop(1);
});

/** One turn: send what the stream holds, then commit after the last record of each partition. */
async function pass(messages: Message[]): Promise<void> {
  await producer.send({ messages: messages.map((m) => ({ topic: output, key: m.key, value: m.value })) });
  const last = new Map<number, Message>();
  for (const message of messages) last.set(message.partition, message);
  await consumer.commit({
    offsets: [...last.values()].map((m) => ({
      topic: input,
      partition: m.partition,
      offset: m.offset + 1n,
      leaderEpoch: m.leaderEpoch,
    })),
  });
}

let busy = false;
async function drain(): Promise<void> {
  if (busy) return;
  busy = true;
  try {
    for (;;) {
      const messages: Message[] = [];
      for (let m = stream.read() as Message | null; m !== null; m = stream.read() as Message | null) messages.push(m);
      if (messages.length === 0) break;
      await pass(messages);
    }
  } catch (error) {
    process.stderr.write(`platformatic passthrough: ${(error as Error).message}\n`);
    void stop(1);
  } finally {
    busy = false;
  }
}
// 'readable' fires again only once the buffer was read empty, which drain does before it returns.
stream.on('readable', () => void drain());
