/**
 * Creates Vigil's topics on the local broker: every topic of the contracts
 * (with its `TOPIC_*` override) and its dead-letter topic. Topic names are
 * never typed here; they come from `@vigil/contracts`. Existing topics are
 * left alone, so running it twice is fine. `stack.sh start` runs it once
 * Kafka is healthy:
 *
 *   node --import tsx deploy/local/create-topics.ts
 *
 * Environment: KAFKA_BROKERS, TOPIC_* (names), VIGIL_TOPIC_PARTITIONS (4).
 */
import { pathToFileURL } from 'node:url';
import { connectionEnv, intFromEnv, listFromEnv, loadConfigOrExit } from '@vigil/config';
import { dlqTopic, TOPIC_KEYS, topicNames } from '@vigil/contracts';
import { VigilError } from '@vigil/errors';
import { type Admin, Kafka, logLevel } from 'kafkajs';

export const createTopicsEnv = {
  KAFKA_BROKERS: connectionEnv.KAFKA_BROKERS.pipe(listFromEnv),
  VIGIL_TOPIC_PARTITIONS: intFromEnv(1, 256).default(4),
  VIGIL_TOPIC_REPLICATION: intFromEnv(1, 16).default(1),
} as const;

export interface PlannedTopic {
  topic: string;
  numPartitions: number;
  replicationFactor: number;
}

export interface TopicPlanOptions {
  partitions: number;
  replicationFactor: number;
}

/** Every contract topic and its DLQ, sorted by name; pure. */
export function plannedTopics(
  env: Record<string, string | undefined>,
  { partitions, replicationFactor }: TopicPlanOptions,
): PlannedTopic[] {
  const names = topicNames(env);
  const all = new Set<string>();
  for (const key of TOPIC_KEYS) {
    all.add(names[key]);
    all.add(dlqTopic(names[key]));
  }
  return [...all].sort().map((topic) => ({ topic, numPartitions: partitions, replicationFactor }));
}

export interface TopicReport {
  created: string[];
  existing: string[];
  /** Existing topics with fewer partitions than planned (never changed here). */
  fewerPartitions: { topic: string; partitions: number }[];
}

/** Creates the planned topics that do not exist yet; waits for their leaders. */
export async function ensureTopics(admin: Admin, plan: readonly PlannedTopic[]): Promise<TopicReport> {
  const present = new Set(await admin.listTopics());
  const missing = plan.filter((t) => !present.has(t.topic));
  if (missing.length > 0) {
    await admin.createTopics({ topics: missing, waitForLeaders: true, timeout: 30_000 });
  }
  const existing = plan.filter((t) => present.has(t.topic));
  const fewerPartitions: TopicReport['fewerPartitions'] = [];
  if (existing.length > 0) {
    const metadata = await admin.fetchTopicMetadata({ topics: existing.map((t) => t.topic) });
    for (const t of metadata.topics) {
      const wanted = plan.find((p) => p.topic === t.name)?.numPartitions ?? 0;
      if (t.partitions.length < wanted) fewerPartitions.push({ topic: t.name, partitions: t.partitions.length });
    }
  }
  return { created: missing.map((t) => t.topic), existing: existing.map((t) => t.topic), fewerPartitions };
}

async function main(): Promise<void> {
  const config = loadConfigOrExit(createTopicsEnv);
  const plan = plannedTopics(process.env, {
    partitions: config.VIGIL_TOPIC_PARTITIONS,
    replicationFactor: config.VIGIL_TOPIC_REPLICATION,
  });
  const kafka = new Kafka({ clientId: 'vigil-create-topics', brokers: config.KAFKA_BROKERS, logLevel: logLevel.WARN });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const report = await ensureTopics(admin, plan);
    const created = report.created.length > 0 ? report.created.join(', ') : 'none';
    console.log(`kafka topics: created ${created}; ${report.existing.length} already existed`);
    for (const t of report.fewerPartitions) {
      console.log(`kafka topics: ${t.topic} has ${t.partitions} partitions (fewer than planned; left as is)`);
    }
  } catch (cause) {
    throw new VigilError('VIGIL_KAFKA_UNAVAILABLE', `could not create topics on ${config.KAFKA_BROKERS.join(',')}`, {
      cause,
    });
  } finally {
    await admin.disconnect();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? `${error.message}: ${String(error.cause ?? '')}` : error);
    process.exitCode = 1;
  });
}
