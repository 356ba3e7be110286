import { Counter, type Registry } from 'prom-client';

/** Ingest's own series; records in/out/dead-lettered come from the consume loop's metrics. */
export function createIngestMetrics(registry: Registry) {
  return {
    recordsByFormat: new Counter({
      name: 'vigil_ingest_records_by_format_total',
      help: 'Valid input records by wire format',
      labelNames: ['format'] as const,
      registers: [registry],
    }),
    duplicates: new Counter({
      name: 'vigil_ingest_duplicates_total',
      help: 'Records whose id was already ingested (dead-lettered as VIGIL_INGEST_DUPLICATE)',
      registers: [registry],
    }),
    replayed: new Counter({
      name: 'vigil_ingest_replayed_total',
      help: 'Records re-read after a restart that had been published already (acknowledged, not re-published)',
      registers: [registry],
    }),
    nullValuesDropped: new Counter({
      name: 'vigil_ingest_null_values_dropped_total',
      help: 'Signals sent as null (missing readings) and dropped from values',
      registers: [registry],
    }),
  };
}

export type IngestMetrics = ReturnType<typeof createIngestMetrics>;
