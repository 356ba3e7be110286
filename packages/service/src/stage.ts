import { dlqTopic } from '@vigil/contracts';
import { BatchConsumer, type BatchHandler, createKafka, createProducer, kafkaCall } from '@vigil/kafka';
import type { Lifecycle } from '@vigil/lifecycle';
import type { Logger } from '@vigil/logging';
import { type HealthServer, type ReadinessReport, startHealthServer } from '@vigil/metrics';
import type { Producer } from 'kafkajs';
import type { Registry } from 'prom-client';

/**
 * The part of a service's main() that every consume → process → publish stage
 * shares. The service keeps its own config, clients and handler; this wires
 * the Kafka loop, the health server and their close order.
 */
export interface StageOptions {
  service: string;
  logger: Logger;
  lifecycle: Lifecycle;
  registry: Registry;
  brokers: string;
  clientId: string;
  groupId: string;
  inputs: string[];
  handler: BatchHandler;
  retry: { initialMs: number; maxMs: number };
  maxBatchRecords: number;
  sessionTimeoutMs?: number;
  health: { host: string; port: number };
  /** Checks beyond the consumer's that /readyz must also pass (loaded models, a pool). */
  readiness?: () => ReadinessReport;
  /** Extra fields for the "running" log line (outputs, settings worth seeing). */
  describe?: Record<string, unknown>;
}

export interface RunningStage {
  consumer: BatchConsumer;
  producer: Producer;
  health: HealthServer;
}

/**
 * Connects the idempotent producer, starts the batch consumer and the health
 * server, and registers their close steps so that shutdown runs: health server,
 * consumer (stop fetching, drain, commit), producer — then whatever the service
 * registered before (Redis, pools, codecs).
 */
export async function runStage(options: StageOptions): Promise<RunningStage> {
  const { lifecycle, logger } = options;
  const kafka = createKafka({ brokers: options.brokers.split(','), clientId: options.clientId, logger });
  const producer = createProducer(kafka);
  // kafkaCall turns kafkajs's connection errors into retriable ones: a broker that is not up yet is waited for.
  await lifecycle.retryUntilReady('kafka', () => kafkaCall('producer connect', () => producer.connect()));
  lifecycle.onClose('kafka producer', () => producer.disconnect());

  const consumer = new BatchConsumer({
    kafka,
    producer,
    groupId: options.groupId,
    topics: options.inputs,
    stage: options.service,
    handler: options.handler,
    logger,
    metrics: { registry: options.registry },
    retry: options.retry,
    maxBatchRecords: options.maxBatchRecords,
    sessionTimeoutMs: options.sessionTimeoutMs,
    onFatal: (error) => void lifecycle.shutdown(`consumer failed: ${(error as Error)?.message ?? String(error)}`, true),
  });
  const health = await startHealthServer({
    registry: options.registry,
    host: options.health.host,
    port: options.health.port,
    logger,
    readiness: () => {
      const stage = consumer.status();
      const extra = options.readiness?.();
      if (!extra) return stage;
      return { ready: stage.ready && extra.ready, checks: { ...stage.checks, ...extra.checks } };
    },
  });
  // Registered last so they close first: stop answering readiness, then stop fetching and drain.
  lifecycle.onClose('kafka consumer', () => consumer.close());
  lifecycle.onClose('health server', () => health.close());

  await lifecycle.retryUntilReady('kafka', () => consumer.start());
  logger.info(
    { inputs: options.inputs, dlqs: options.inputs.map(dlqTopic), metrics: health.url, ...options.describe },
    `${options.service} running`,
  );
  return { consumer, producer, health };
}
