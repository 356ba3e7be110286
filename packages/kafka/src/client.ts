import type { Logger } from '@vigil/logging';
import { type Admin, Kafka, type KafkaConfig, logLevel, Partitioners, type Producer } from 'kafkajs';

export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** Passed to kafkajs as is, for the rare setting this factory does not cover. */
  overrides?: Partial<KafkaConfig>;
}

// kafkajs logs every dropped connection at ERROR while it retries by itself; what
// actually stops a service (a consumer crash it will not restart, a handler bug,
// a retry streak) is reported by the consume loop. So kafkajs ERROR becomes warn.
const LEVELS: Record<number, 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'warn',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** A kafkajs client whose logs go through pino (as `component: kafkajs`). */
export function createKafka(options: KafkaClientOptions): Kafka {
  const log = options.logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    // INFO and DEBUG from kafkajs are per-connection chatter: leave them out.
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, label, log: entry }) => {
        const { message, ...rest } = entry;
        log[LEVELS[level] ?? 'info']({ kafkaLevel: label, ...rest }, message);
      },
    retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 10_000 },
    connectionTimeout: 3_000,
    ...options.overrides,
  });
}

/**
 * The idempotent producer every stage uses: acks from all in-sync replicas,
 * broker-side dedup of retried sends, so a retry never writes a record twice.
 */
export function createProducer(kafka: Kafka, options: { transactionalId?: string } = {}): Producer {
  return kafka.producer({
    // Java-compatible murmur2 partitioning, so keys land where other Kafka clients put them.
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: true,
    // kafkajs (2.2) assigns a partition's sequence numbers just before a produce
    // request and rolls them back when it fails, under a per-broker lock: its
    // idempotence relies on one produce in flight per broker, so say 1 plainly
    // (the Java client's "up to 5" does not carry over).
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    ...(options.transactionalId ? { transactionalId: options.transactionalId } : {}),
  });
}

/** Creates the topics that do not exist yet; existing ones are left as they are. */
export async function ensureTopics(admin: Admin, topics: readonly string[], numPartitions: number): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t));
  if (missing.length > 0) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({ topic, numPartitions, replicationFactor: 1 })),
    });
  }
  return missing;
}
