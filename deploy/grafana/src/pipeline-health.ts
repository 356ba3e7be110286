import { type DashboardSpec, quantiles, RATE } from './panels.ts';

/** Every stage's consume-loop series, filtered by the `service` variable. */
const S = 'service=~"$service"';
const REC_PER_S = 'suffix: rec/s';

export const pipelineHealth: DashboardSpec = {
  uid: 'vigil-pipeline',
  title: 'Vigil · Pipeline health',
  description:
    'Throughput, dead letters, latency, consumer lag and retries of every stage, and the processes behind them.',
  tags: ['vigil', 'pipeline'],
  variables: [{ name: 'service', label: 'Service', query: 'label_values(up{job=~"vigil-.*"}, service)' }],
  rows: [
    {
      title: 'Overview',
      panels: [
        {
          kind: 'stat',
          title: 'Services up',
          description: 'Whether Prometheus reached /metrics of each service at its last scrape (VigilServiceDown).',
          targets: [{ expr: `up{job=~"vigil-.*", ${S}}`, legend: '{{service}}' }],
          width: 8,
          height: 5,
          thresholds: [],
          mappings: [
            { value: '0', text: 'down', color: 'red' },
            { value: '1', text: 'up', color: 'green' },
          ],
        },
        {
          kind: 'stat',
          title: 'Records in per stage',
          description: 'Records read per second by each stage, all input topics together.',
          targets: [{ expr: `sum by (stage) (rate(vigil_records_in_total{${S}}[${RATE}]))`, legend: '{{stage}}' }],
          unit: REC_PER_S,
          width: 8,
          height: 5,
        },
        {
          kind: 'stat',
          title: 'Dead letters and lag',
          description: 'Records sent to a DLQ per second (all stages) and the largest consumer lag of any partition.',
          targets: [
            {
              expr: `sum(rate(vigil_records_dead_lettered_total{${S}}[${RATE}])) or vector(0)`,
              legend: 'dead letters/s',
            },
            { expr: `max(vigil_consumer_lag{${S}})`, legend: 'max lag' },
          ],
          width: 8,
          height: 5,
          thresholds: [[1, 'orange']],
        },
      ],
    },
    {
      title: 'Throughput',
      panels: [
        {
          kind: 'timeseries',
          title: 'Records in by stage and topic',
          description: 'Records read from each input topic (valid or not: dead letters are counted here too).',
          targets: [
            {
              expr: `sum by (stage, topic) (rate(vigil_records_in_total{${S}}[${RATE}]))`,
              legend: '{{stage}} ← {{topic}}',
            },
          ],
          unit: REC_PER_S,
        },
        {
          kind: 'timeseries',
          title: 'Records out by stage and topic',
          description: 'Records published to output topics, dead letters excluded.',
          targets: [
            {
              expr: `sum by (stage, topic) (rate(vigil_records_out_total{${S}}[${RATE}]))`,
              legend: '{{stage}} → {{topic}}',
            },
          ],
          unit: REC_PER_S,
        },
        {
          kind: 'timeseries',
          title: 'Dead letters by stage and code',
          description:
            'Records sent to <input topic>.dlq, by error code (docs/errors.md). The DLQ keeps the original bytes and the vigil.error.* headers.',
          targets: [
            {
              expr: `sum by (stage, code) (rate(vigil_records_dead_lettered_total{${S}}[${RATE}]))`,
              legend: '{{stage}} {{code}}',
            },
          ],
          unit: REC_PER_S,
        },
        {
          kind: 'timeseries',
          title: 'Dead-letter share of input',
          description: 'Share of the records read that went to the DLQ (VigilDeadLetterShareHigh fires above 5%).',
          targets: [
            {
              expr: `sum by (stage) (rate(vigil_records_dead_lettered_total{${S}}[${RATE}])) / sum by (stage) (rate(vigil_records_in_total{${S}}[${RATE}]))`,
              legend: '{{stage}}',
            },
          ],
          unit: 'percentunit',
          min: 0,
        },
      ],
    },
    {
      title: 'Latency, lag and retries',
      panels: [
        {
          kind: 'timeseries',
          title: 'Batch latency p50 / p99',
          description:
            'Time to process and publish one chunk of records and send its commit (VigilBatchLatencyHigh: p99 > 2.5 s).',
          targets: quantiles('vigil_batch_duration_seconds', S, ['stage'], '{{stage}}'),
          unit: 's',
        },
        {
          kind: 'timeseries',
          title: 'Consumer lag by stage and topic',
          description:
            'Records between the last processed offset and the high watermark, summed over partitions (VigilConsumerLagHigh, VigilConsumerLagGrowing).',
          targets: [{ expr: `sum by (stage, topic) (vigil_consumer_lag{${S}})`, legend: '{{stage}} ← {{topic}}' }],
          unit: 'short',
          min: 0,
        },
        {
          kind: 'timeseries',
          title: 'Chunks per second',
          description: 'Chunks processed per second by each stage; with records in, it gives the chunk size.',
          targets: [
            { expr: `sum by (stage) (rate(vigil_batch_duration_seconds_count{${S}}[${RATE}]))`, legend: '{{stage}}' },
          ],
          unit: 'short',
        },
        {
          kind: 'timeseries',
          title: 'Retries by stage and code',
          description:
            'Chunk retries after a transient failure of a dependency (Kafka, Redis, PostgreSQL, the registry). Nothing here is the normal state (VigilRetriesPersisting).',
          targets: [
            {
              expr: `sum by (stage, code) (rate(vigil_retries_total{${S}}[${RATE}]))`,
              legend: '{{stage}} {{code}}',
            },
          ],
          unit: 'short',
        },
      ],
    },
    {
      title: 'Processes',
      panels: [
        {
          kind: 'timeseries',
          title: 'Resident memory',
          description: 'Resident set size of each service process.',
          targets: [{ expr: `vigil_process_resident_memory_bytes{${S}}`, legend: '{{service}}' }],
          unit: 'bytes',
          width: 6,
        },
        {
          kind: 'timeseries',
          title: 'Heap used',
          description: 'V8 heap in use; a steady climb under a steady load is a leak.',
          targets: [{ expr: `vigil_nodejs_heap_size_used_bytes{${S}}`, legend: '{{service}}' }],
          unit: 'bytes',
          width: 6,
        },
        {
          kind: 'timeseries',
          title: 'CPU',
          description: 'CPU time per second (1 = one core). This machine has 2 cores for everything.',
          targets: [{ expr: `rate(vigil_process_cpu_seconds_total{${S}}[${RATE}])`, legend: '{{service}}' }],
          unit: 'percentunit',
          min: 0,
          width: 6,
        },
        {
          kind: 'timeseries',
          title: 'Event loop lag p99',
          description:
            'Delay of the Node.js event loop; above ~100 ms the service answers scrapes and health checks late.',
          targets: [{ expr: `vigil_nodejs_eventloop_lag_p99_seconds{${S}}`, legend: '{{service}}' }],
          unit: 's',
          width: 6,
        },
      ],
    },
    {
      title: 'Stage details',
      panels: [
        {
          kind: 'timeseries',
          title: 'Ingest: valid records by format, duplicates, replays',
          description:
            'Valid input by wire format; ids seen before (dead-lettered as VIGIL_INGEST_DUPLICATE); records re-read after a restart that were published already; null readings dropped from values.',
          targets: [
            { expr: `sum by (format) (rate(vigil_ingest_records_by_format_total[${RATE}]))`, legend: '{{format}}' },
            { expr: `sum(rate(vigil_ingest_duplicates_total[${RATE}]))`, legend: 'duplicates' },
            { expr: `sum(rate(vigil_ingest_replayed_total[${RATE}]))`, legend: 'replayed after restart' },
            { expr: `sum(rate(vigil_ingest_null_values_dropped_total[${RATE}]))`, legend: 'null values dropped' },
          ],
          unit: REC_PER_S,
          width: 8,
        },
        {
          kind: 'timeseries',
          title: 'Enrichment: Redis round p50 / p99',
          description: 'One pipelined round of feature script calls per Kafka batch.',
          targets: quantiles('vigil_enrichment_redis_seconds', '', [], ''),
          unit: 's',
          width: 8,
        },
        {
          kind: 'timeseries',
          title: 'Enrichment: entities, late and replayed records',
          description:
            'New entities (first record, or state expired); records older than their entity last record (tolerated or flagged); re-delivered records; state reset; signals beyond maxSignals.',
          targets: [
            { expr: `sum(rate(vigil_enrichment_entities_created_total[${RATE}]))`, legend: 'new entities' },
            { expr: `sum by (kind) (rate(vigil_enrichment_late_records_total[${RATE}]))`, legend: 'late {{kind}}' },
            {
              expr: `sum by (mode) (rate(vigil_enrichment_replayed_records_total[${RATE}]))`,
              legend: 'replayed {{mode}}',
            },
            { expr: `sum(rate(vigil_enrichment_state_resets_total[${RATE}]))`, legend: 'state resets' },
            { expr: `sum(rate(vigil_enrichment_signals_dropped_total[${RATE}]))`, legend: 'signals dropped' },
          ],
          unit: 'short',
          width: 8,
        },
        {
          kind: 'timeseries',
          title: 'Sink: rows written and skipped by table',
          description:
            'Rows inserted into PostgreSQL, and rows already stored (a replay) skipped by ON CONFLICT DO NOTHING.',
          targets: [
            { expr: `sum by (table) (rate(vigil_sink_rows_written_total[${RATE}]))`, legend: '{{table}} written' },
            {
              expr: `sum by (table) (rate(vigil_sink_rows_duplicate_total[${RATE}]))`,
              legend: '{{table}} already stored',
            },
          ],
          unit: 'suffix: rows/s',
        },
        {
          kind: 'timeseries',
          title: 'Sink: write latency p50 / p99',
          description: 'Time to write one batch: partitions, staging and the committed transaction.',
          targets: quantiles('vigil_sink_write_seconds', '', [], ''),
          unit: 's',
          width: 6,
        },
        {
          kind: 'timeseries',
          title: 'Sink: fallbacks and new partitions',
          description:
            'Batches PostgreSQL refused as data, re-written record by record to dead-letter only the bad rows; daily partitions created on demand.',
          targets: [
            { expr: `sum(increase(vigil_sink_record_fallbacks_total[${RATE}]))`, legend: 'record-by-record fallbacks' },
            {
              expr: `sum by (table) (increase(vigil_sink_partitions_created_total[${RATE}]))`,
              legend: '{{table}} partitions created',
            },
          ],
          unit: 'short',
          width: 6,
        },
      ],
    },
  ],
};
