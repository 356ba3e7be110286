import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

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
