import { after, afterEach, before, beforeEach } from 'node:test';
import {
  BatchConsumer,
  type BatchHandler,
  createKafka,
  createProducer,
  type RecordOutcome,
  type SourceRecord,
} from '@vigil/kafka';
import { createLogger } from '@vigil/logging';
import { createMetricsRegistry } from '@vigil/metrics';
import { stackEnv } from '@vigil/test-kit';
import type { Admin, Producer } from 'kafkajs';
import type { Registry } from 'prom-client';

export const logger = createLogger({ service: 'test', level: 'silent' });
export const kafka = createKafka({ brokers: [...stackEnv.kafkaBrokers], clientId: 'batch-consumer-test', logger });

export interface BrokerContext {
  admin: Admin;
  /** A fresh idempotent producer per test. */
  producer: Producer;
  /** Runs after the whole file: topics are deleted last. */
  defer(cleanup: () => Promise<void>): void;
}

/**
 * Registers the file's hooks: one admin, one producer per test. kafkajs producers keep
 * refreshing metadata of topics they once wrote to, and fail once such a topic is
 * deleted, so topics are deleted only after every test of the file.
 */
export function useBroker(): BrokerContext {
  const cleanups: (() => Promise<void>)[] = [];
  const context = { defer: (cleanup: () => Promise<void>) => void cleanups.push(cleanup) } as BrokerContext;
  before(async () => {
    context.admin = kafka.admin();
    await context.admin.connect();
  });
  beforeEach(async () => {
    context.producer = createProducer(kafka);
    await context.producer.connect();
  });
  afterEach(async () => {
    await context.producer.disconnect();
  });
  after(async () => {
    for (const cleanup of cleanups) await cleanup();
    await context.admin.disconnect();
  });
  return context;
}

/** Upper-cases "ok:*" values into `output`; dead-letters "bad:*". Records every value it was handed. */
export function upperCaser(output: string): BatchHandler & { processed: string[] } {
  const processed: string[] = [];
  return {
    processed,
    async process(records: SourceRecord[]): Promise<RecordOutcome[]> {
      return records.map((r) => {
        const text = r.message.value?.toString() ?? '';
        processed.push(text);
        if (text.startsWith('bad:'))
          return { kind: 'DEAD_LETTER', code: 'VIGIL_INGEST_INVALID_FIELD', message: `cannot take ${text}` };
        return {
          kind: 'ACK',
          outputs: [{ topic: output, key: r.message.key, value: Buffer.from(text.toUpperCase()) }],
        };
      });
    },
  };
}

export interface TestConsumer {
  consumer: BatchConsumer;
  registry: Registry;
  fatalErrors: unknown[];
}

export function consumerFor(
  producer: Producer,
  topics: string[],
  groupId: string,
  handler: BatchHandler,
  options: { maxBatchRecords?: number; sessionTimeoutMs?: number } = {},
): TestConsumer {
  const registry = createMetricsRegistry({ service: 'test', defaultMetrics: false });
  const fatalErrors: unknown[] = [];
  const consumer = new BatchConsumer({
    kafka,
    producer,
    groupId,
    topics,
    stage: 'test',
    handler,
    logger,
    metrics: { registry },
    retry: { initialMs: 20, maxMs: 200 },
    maxBatchRecords: options.maxBatchRecords ?? 1000,
    sessionTimeoutMs: options.sessionTimeoutMs ?? 6_000,
    onFatal: (error) => fatalErrors.push(error),
  });
  return { consumer, registry, fatalErrors };
}

/** The value of one series, 0 when it has not been written. */
export async function metricValue(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  const series = metric?.values.find((v) =>
    Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want),
  );
  return series?.value ?? 0;
}

/** Committed offset of each partition of `topic` for `groupId` ('-1' when none). */
export async function committed(admin: Admin, groupId: string, topic: string): Promise<string[]> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (offsets?.partitions ?? []).sort((a, b) => a.partition - b.partition).map((p) => p.offset);
}

/** How many records `topic` holds, over all partitions. */
export async function recordCount(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
}
