import { Counter, Histogram, type Registry } from 'prom-client';

/** The sink's own series; records in and dead-lettered come from the consume loop's metrics. */
export function createSinkMetrics(registry: Registry) {
  return {
    rowsWritten: new Counter({
      name: 'vigil_sink_rows_written_total',
      help: 'Rows inserted into PostgreSQL, by table',
      labelNames: ['table'] as const,
      registers: [registry],
    }),
    rowsDuplicate: new Counter({
      name: 'vigil_sink_rows_duplicate_total',
      help: 'Rows already stored (a replay after a restart), skipped by ON CONFLICT DO NOTHING, by table',
      labelNames: ['table'] as const,
      registers: [registry],
    }),
    writeSeconds: new Histogram({
      name: 'vigil_sink_write_seconds',
      help: 'Time to write one batch: partitions, staging and the committed transaction',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    partitionsCreated: new Counter({
      name: 'vigil_sink_partitions_created_total',
      help: 'Daily partitions created on demand, by parent table',
      labelNames: ['table'] as const,
      registers: [registry],
    }),
    recordFallbacks: new Counter({
      name: 'vigil_sink_record_fallbacks_total',
      help: 'Batches PostgreSQL refused as data, re-written record by record to dead-letter only the bad ones',
      registers: [registry],
    }),
  };
}

export type SinkMetrics = ReturnType<typeof createSinkMetrics>;
