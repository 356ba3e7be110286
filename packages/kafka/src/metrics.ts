import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ChunkOffset } from './group.ts';
import type { RecordOutcome, SourceRecord } from './types.ts';

/** The consume loop's series; names are shared by every stage and told apart by the `stage` label. */
export function createConsumerMetrics(registry: Registry) {
  return {
    recordsIn: new Counter({
      name: 'vigil_records_in_total',
      help: 'Records read from input topics',
      labelNames: ['stage', 'topic'] as const,
      registers: [registry],
    }),
    recordsOut: new Counter({
      name: 'vigil_records_out_total',
      help: 'Records published to output topics (dead letters excluded)',
      labelNames: ['stage', 'topic'] as const,
      registers: [registry],
    }),
    deadLettered: new Counter({
      name: 'vigil_records_dead_lettered_total',
      help: 'Records sent to a dead-letter topic, by error code',
      labelNames: ['stage', 'code'] as const,
      registers: [registry],
    }),
    batchDuration: new Histogram({
      name: 'vigil_batch_duration_seconds',
      help: 'Time to process and publish one chunk of records and send its offset commit',
      labelNames: ['stage'] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    lag: new Gauge({
      name: 'vigil_consumer_lag',
      help: 'Records between the last processed offset and the high watermark',
      labelNames: ['stage', 'topic', 'partition'] as const,
      registers: [registry],
    }),
    retries: new Counter({
      name: 'vigil_retries_total',
      help: 'Chunk retries after a transient failure, by error code',
      labelNames: ['stage', 'code'] as const,
      registers: [registry],
    }),
  };
}

export type ConsumerMetrics = ReturnType<typeof createConsumerMetrics>;

/** Counts a published chunk: its records per input topic, outputs per output topic, dead letters per code. */
export function countChunk(
  metrics: ConsumerMetrics,
  stage: string,
  records: readonly SourceRecord[],
  outcomes: readonly RecordOutcome[],
): void {
  const inputs = new Map<string, number>();
  for (const record of records) inputs.set(record.topic, (inputs.get(record.topic) ?? 0) + 1);
  for (const [topic, n] of inputs) metrics.recordsIn.inc({ stage, topic }, n);
  const out = new Map<string, number>();
  for (const outcome of outcomes) {
    if (outcome.kind === 'DEAD_LETTER') metrics.deadLettered.inc({ stage, code: outcome.code });
    else for (const o of outcome.outputs) out.set(o.topic, (out.get(o.topic) ?? 0) + 1);
  }
  for (const [topic, n] of out) metrics.recordsOut.inc({ stage, topic }, n);
}

/** The lag of each partition a chunk committed: high watermark of its fetch − the committed offset. */
export function setLag(metrics: ConsumerMetrics, stage: string, offsets: readonly ChunkOffset[]): void {
  for (const { topic, partition, offset, highWatermark } of offsets) {
    metrics.lag.set(
      { stage, topic, partition: String(partition) },
      Math.max(0, Number(BigInt(highWatermark) - BigInt(offset))),
    );
  }
}
