import { sleep } from '@vigil/timing';
import { type Admin, Kafka, type KafkaMessage, logLevel } from 'kafkajs';
import { stackEnv, uniqueName } from './env.ts';

export interface ReadMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer;
  headers: Record<string, string>;
}

export function testKafka(clientId = 'vigil-test'): Kafka {
  return new Kafka({
    clientId,
    brokers: [...stackEnv.kafkaBrokers],
    logLevel: logLevel.NOTHING,
    retry: { retries: 3 },
  });
}

/** Creates uniquely named topics (`names` are prefixes) and returns their real names plus a cleanup. */
export async function topicsFixture<const K extends readonly string[]>(
  admin: Admin,
  names: K,
  partitions = 2,
): Promise<{ topics: { [I in keyof K]: string }; cleanup: () => Promise<void> }> {
  const topics = names.map((n) => uniqueName(n)) as { [I in keyof K]: string };
  await admin.createTopics({
    waitForLeaders: true,
    topics: (topics as readonly string[]).map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
  });
  return {
    topics,
    cleanup: () => admin.deleteTopics({ topics: [...(topics as readonly string[])] }).catch(() => undefined),
  };
}

function headersOf(message: KafkaMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(message.headers ?? {}))
    out[k] = Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
  return out;
}

/**
 * Reads `topics` from the beginning with a throw-away group until `until`
 * returns true for everything read so far, or until `idleMs` passes with no new
 * message after at least `minMessages` arrived; fails after `timeoutMs`.
 */
export async function readTopics(
  kafka: Kafka,
  topics: string[],
  options: { until?: (messages: ReadMessage[]) => boolean; idleMs?: number; timeoutMs?: number } = {},
): Promise<ReadMessage[]> {
  const consumer = kafka.consumer({ groupId: uniqueName('reader'), maxWaitTimeInMs: 100 });
  const messages: ReadMessage[] = [];
  let lastArrival = Date.now();
  await consumer.connect();
  try {
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        messages.push({
          topic,
          partition,
          offset: message.offset,
          key: message.key?.toString('utf8') ?? null,
          value: message.value ?? Buffer.alloc(0),
          headers: headersOf(message),
        });
        lastArrival = Date.now();
      },
    });
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    const idleMs = options.idleMs ?? 2_000;
    for (;;) {
      if (options.until?.(messages)) break;
      if (!options.until && Date.now() - lastArrival > idleMs) break;
      if (Date.now() > deadline) {
        throw new Error(`readTopics: timed out with ${messages.length} messages from ${topics.join(', ')}`);
      }
      await sleep(100);
    }
  } finally {
    await consumer.disconnect();
  }
  return messages;
}
