import { dlqTopic, TOPIC_CONTRACTS, TOPIC_KEYS, type TopicKey, valueSubject } from '@vigil/contracts';
import { Redis } from 'ioredis';
import type { Admin } from 'kafkajs';
import pg from 'pg';
import { stackEnv, uniqueName } from './env.ts';
import { deleteKeys } from './redis.ts';

export const PIPELINE_SERVICES = ['ingest', 'enrichment', 'scoring', 'incident', 'sink'] as const;
export type PipelineService = (typeof PIPELINE_SERVICES)[number];

export interface Pipeline {
  run: string;
  topics: Record<TopicKey, string>;
  /** The consumer group of each service. */
  groups: Record<PipelineService, string>;
  /** Environment of each service, pointing at this pipeline's own topics, groups, Redis keys and store schema. */
  env: Record<PipelineService, Record<string, string>>;
  schema: string;
  pool: pg.Pool;
  cleanup: () => Promise<void>;
}

/**
 * A whole pipeline of its own on the shared stack: unique topics (and DLQs),
 * consumer groups, Redis prefixes and a PostgreSQL schema, so a test or a
 * benchmark can run every service without meeting another run's records.
 * `cleanup` (once the services have stopped) removes all of them again.
 */
export async function pipelineFixture(admin: Admin, partitions = 2): Promise<Pipeline> {
  const run = uniqueName('pipe');
  const topics = Object.fromEntries(TOPIC_KEYS.map((k) => [k, `${run}.${TOPIC_CONTRACTS[k].defaultName}`])) as Record<
    TopicKey,
    string
  >;
  const all = Object.values(topics).flatMap((t) => [t, dlqTopic(t)]);
  await admin.createTopics({
    waitForLeaders: true,
    topics: all.map((topic) => ({ topic, numPartitions: partitions })),
  });
  const groups = Object.fromEntries(PIPELINE_SERVICES.map((name) => [name, `${run}-${name}`])) as Record<
    PipelineService,
    string
  >;
  const topicEnv = Object.fromEntries(TOPIC_KEYS.map((k) => [TOPIC_CONTRACTS[k].env, topics[k]]));
  const schema = `sink_${run.replace(/[^a-z0-9]/g, '_')}`;
  const common = { ...topicEnv, LOG_LEVEL: 'warn' };
  const env: Pipeline['env'] = {
    ingest: {
      ...common,
      INGEST_GROUP_ID: groups.ingest,
      INGEST_REDIS_PREFIX: `${run}:ingest:`,
      INGEST_METRICS_PORT: '0',
      INGEST_SESSION_TIMEOUT: '6s',
    },
    enrichment: {
      ...common,
      ENRICHMENT_GROUP_ID: groups.enrichment,
      ENRICHMENT_REDIS_PREFIX: `${run}:enrichment:`,
      ENRICHMENT_METRICS_PORT: '0',
    },
    scoring: { ...common, SCORING_GROUP_ID: groups.scoring, SCORING_METRICS_PORT: '0' },
    incident: {
      ...common,
      INCIDENT_GROUP_ID: groups.incident,
      INCIDENT_REDIS_PREFIX: `${run}:incident:`,
      INCIDENT_METRICS_PORT: '0',
    },
    sink: { ...common, SINK_GROUP_ID: groups.sink, SINK_DB_SCHEMA: schema, SINK_METRICS_PORT: '0' },
  };
  const pool = new pg.Pool({ connectionString: stackEnv.databaseUrl, max: 2, options: `-c search_path=${schema}` });
  return {
    run,
    topics,
    groups,
    env,
    schema,
    pool,
    cleanup: async () => {
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
      await pool.end();
      await admin.deleteTopics({ topics: all }).catch(() => undefined);
      await admin.deleteGroups(Object.values(groups)).catch(() => undefined);
      for (const topic of all) {
        const subject = `${stackEnv.registryUrl}/subjects/${valueSubject(topic)}`;
        await fetch(subject, { method: 'DELETE' }).catch(() => undefined);
        await fetch(`${subject}?permanent=true`, { method: 'DELETE' }).catch(() => undefined);
      }
      const redis = new Redis(stackEnv.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
      await redis
        .connect()
        .then(() => deleteKeys(redis, `${run}:`))
        .catch(() => undefined);
      redis.disconnect();
    },
  };
}
