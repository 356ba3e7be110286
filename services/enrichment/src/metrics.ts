import { Counter, Histogram, type Registry } from 'prom-client';

/** Enrichment's own series; records in/out/dead-lettered come from the consume loop's metrics. */
export function createEnrichmentMetrics(registry: Registry) {
  return {
    lateRecords: new Counter({
      name: 'vigil_enrichment_late_records_total',
      help: 'Records older than their entity last record: enriched against the current state, not applied (kind: tolerated within maxLateness, flagged beyond it)',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    replayedRecords: new Counter({
      name: 'vigil_enrichment_replayed_records_total',
      help: 'Re-delivered records, never applied twice (mode: exact = re-run from the snapshot with the original features, current = against the current state)',
      labelNames: ['mode'] as const,
      registers: [registry],
    }),
    redisSeconds: new Histogram({
      name: 'vigil_enrichment_redis_seconds',
      help: 'Time of one pipelined round of feature script calls (one per Kafka batch)',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    entitiesCreated: new Counter({
      name: 'vigil_enrichment_entities_created_total',
      help: 'Entities (per source) seen without feature state: first records, or state expired after the TTL',
      registers: [registry],
    }),
    stateResets: new Counter({
      name: 'vigil_enrichment_state_resets_total',
      help: 'Script calls that found unreadable state (other format or writer) and started it afresh',
      registers: [registry],
    }),
    signalsDropped: new Counter({
      name: 'vigil_enrichment_signals_dropped_total',
      help: 'Signal values left without features because their entity already holds maxSignals signals',
      registers: [registry],
    }),
  };
}

export type EnrichmentMetrics = ReturnType<typeof createEnrichmentMetrics>;
