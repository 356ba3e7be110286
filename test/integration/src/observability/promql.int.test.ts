/**
 * The real Prometheus (deploy/local/stack.sh, deploy/prometheus/prometheus.yml)
 * scrapes the real services, and PromQL sees their key series exist and move
 * when records flow: generated telemetry, pumps the reference modules score
 * and junk through telemetry.raw, junk into alerts.enriched, scored alerts
 * through alerts.scored (see feed.ts). Scoring serves the reference modules
 * by alias (models.ts registers them when MLflow lacks them). Services already
 * running on their ports (someone else's) are used as they are; the ones this
 * test starts, it stops. Services not covered yet: NOT_YET_COVERED in services.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { refName } from '@vigil/scoring';
import { waitFor } from '@vigil/test-kit';
import { type FeedResult, validTelemetry as valid } from './feed.ts';
import { type ObservedPipeline, observedPipeline } from './fixture.ts';
import { aliasVersions, SCORING_MODELS } from './models.ts';
import { LIVE_SERVICES, type LiveService } from './services.ts';

interface GrowthCheck {
  service: LiveService;
  what: string;
  /** A selector of counters (or histogram `_count`s); their sum must grow by `grows(fed)` during the run. */
  selector: string;
  grows: (fed: FeedResult) => number;
}

const junkTotal = (fed: FeedResult) => Object.values(fed.junk).reduce((a, b) => a + b, 0);
/** Scored alerts without the replayed copies (what the sink stores once each). */
const distinctScored = (fed: FeedResult) => fed.scored - fed.replayed;

/** What each live service must show after the feed. Add a service's rows here when it joins LIVE_SERVICES. */
const GROWTH: GrowthCheck[] = [
  {
    service: 'ingest',
    what: 'records in',
    selector: 'vigil_records_in_total{stage="ingest", topic="telemetry.raw"}',
    grows: (fed) => valid(fed) + junkTotal(fed),
  },
  {
    service: 'ingest',
    what: 'records out',
    selector: 'vigil_records_out_total{stage="ingest", topic="alerts.ingested"}',
    grows: valid,
  },
  ...(['VIGIL_INGEST_MALFORMED_JSON', 'VIGIL_INGEST_INVALID_FIELD', 'VIGIL_INGEST_TS_TOO_OLD'] as const).map(
    (code): GrowthCheck => ({
      service: 'ingest',
      what: `dead letters ${code}`,
      selector: `vigil_records_dead_lettered_total{stage="ingest", code="${code}"}`,
      grows: (fed) => fed.junk[code] ?? 0,
    }),
  ),
  {
    service: 'ingest',
    what: 'batch latency histogram',
    selector: 'vigil_batch_duration_seconds_count{stage="ingest"}',
    grows: () => 1,
  },
  {
    service: 'ingest',
    what: 'valid records by format',
    selector: 'vigil_ingest_records_by_format_total',
    grows: valid,
  },
  {
    service: 'enrichment',
    what: 'records in',
    selector: 'vigil_records_in_total{stage="enrichment", topic="alerts.ingested"}',
    grows: valid,
  },
  {
    service: 'enrichment',
    what: 'records out',
    selector: 'vigil_records_out_total{stage="enrichment", topic="alerts.enriched"}',
    grows: valid,
  },
  {
    service: 'enrichment',
    what: 'batch latency histogram',
    selector: 'vigil_batch_duration_seconds_count{stage="enrichment"}',
    grows: () => 1,
  },
  {
    service: 'enrichment',
    what: 'Redis round histogram',
    selector: 'vigil_enrichment_redis_seconds_count',
    grows: () => 1,
  },
  {
    service: 'enrichment',
    what: 'new entities',
    selector: 'vigil_enrichment_entities_created_total',
    grows: (fed) => fed.entities,
  },
  { service: 'enrichment', what: 'late records', selector: 'vigil_enrichment_late_records_total', grows: () => 1 },
  {
    service: 'scoring',
    what: 'records in',
    selector: 'vigil_records_in_total{stage="scoring", topic="alerts.enriched"}',
    grows: (fed) => valid(fed) + fed.enrichedJunk,
  },
  {
    service: 'scoring',
    what: 'records out',
    selector: 'vigil_records_out_total{stage="scoring", topic="alerts.scored"}',
    grows: valid,
  },
  {
    service: 'scoring',
    what: 'dead letters VIGIL_AVRO_BAD_MAGIC_BYTE (records that are not Avro)',
    selector: 'vigil_records_dead_lettered_total{stage="scoring", code="VIGIL_AVRO_BAD_MAGIC_BYTE"}',
    grows: (fed) => fed.enrichedJunk,
  },
  {
    service: 'scoring',
    what: 'batch latency histogram',
    selector: 'vigil_batch_duration_seconds_count{stage="scoring"}',
    grows: () => 1,
  },
  ...SCORING_MODELS.flatMap((ref): GrowthCheck[] => {
    const labels = `model="${ref.model}", alias="${ref.alias}"`;
    return [
      {
        service: 'scoring',
        what: `verdicts (${refName(ref)}): one per record`,
        selector: `vigil_scoring_verdicts_total{${labels}}`,
        grows: valid,
      },
      {
        service: 'scoring',
        what: `NORMAL verdicts (${refName(ref)}): the pumps at their training medians`,
        selector: `vigil_scoring_verdicts_total{${labels}, verdict="NORMAL"}`,
        grows: (fed) => fed.pumps,
      },
      {
        service: 'scoring',
        what: `calibrated scores histogram (${refName(ref)})`,
        selector: `vigil_scoring_score_calibrated_count{${labels}}`,
        grows: (fed) => fed.pumps,
      },
      {
        service: 'scoring',
        what: `module latency histogram (${refName(ref)})`,
        selector: `vigil_scoring_module_seconds_count{${labels}}`,
        grows: () => 1,
      },
    ];
  }),
  {
    service: 'incident',
    what: 'records in',
    selector: 'vigil_records_in_total{stage="incident", topic="alerts.scored"}',
    grows: (fed) => fed.scored,
  },
  ...(['published', 'challenger'] as const).flatMap((alias): GrowthCheck[] => [
    {
      service: 'incident',
      what: `OPEN transitions (${alias})`,
      selector: `vigil_incident_transitions_total{status="OPEN", alias="${alias}"}`,
      grows: () => 2,
    },
    {
      service: 'incident',
      what: `CLOSED transitions (${alias})`,
      selector: `vigil_incident_transitions_total{status="CLOSED", alias="${alias}"}`,
      grows: () => 1,
    },
    {
      service: 'incident',
      what: `suppressed openings (${alias})`,
      selector: `vigil_incident_suppressed_total{alias="${alias}"}`,
      grows: () => 1,
    },
  ]),
  {
    service: 'incident',
    what: 'actionable events (incidents)',
    selector: 'vigil_records_out_total{stage="incident", topic="incidents"}',
    grows: () => 3,
  },
  {
    service: 'incident',
    what: 'shadow events (incidents.shadow)',
    selector: 'vigil_records_out_total{stage="incident", topic="incidents.shadow"}',
    grows: () => 3,
  },
  {
    service: 'incident',
    what: 'dead letters (records that are not Avro)',
    selector: 'vigil_records_dead_lettered_total{stage="incident"}',
    grows: (fed) => fed.scoredJunk,
  },
  {
    service: 'incident',
    what: 'replayed scores ignored',
    selector: 'vigil_incident_replayed_scores_total',
    grows: (fed) => fed.replayed,
  },
  {
    service: 'feedback',
    what: 'records in',
    selector: 'vigil_records_in_total{stage="feedback", topic="alerts.scored"}',
    grows: (fed) => fed.scored,
  },
  {
    service: 'feedback',
    what: 'scores decided on',
    selector: 'vigil_feedback_scores_total',
    grows: (fed) => 2 * fed.scored,
  },
  {
    service: 'feedback',
    what: 'dead letters (records that are not Avro)',
    selector: 'vigil_records_dead_lettered_total{stage="feedback"}',
    grows: (fed) => fed.scoredJunk,
  },
  {
    service: 'sink',
    what: 'scored alerts in',
    selector: 'vigil_records_in_total{stage="sink", topic="alerts.scored"}',
    grows: (fed) => fed.scored,
  },
  {
    service: 'sink',
    what: 'alert rows written',
    selector: 'vigil_sink_rows_written_total{table="alerts"}',
    grows: distinctScored,
  },
  {
    service: 'sink',
    what: 'score rows written',
    selector: 'vigil_sink_rows_written_total{table="scores"}',
    grows: (fed) => 2 * distinctScored(fed),
  },
  {
    service: 'sink',
    what: 'incident event rows written',
    selector: 'vigil_sink_rows_written_total{table="incident_events"}',
    grows: () => 6,
  },
  {
    service: 'sink',
    what: 'replayed alert rows skipped',
    selector: 'vigil_sink_rows_duplicate_total{table="alerts"}',
    grows: (fed) => fed.replayed,
  },
  {
    service: 'sink',
    what: 'dead letters (records that are not Avro)',
    selector: 'vigil_records_dead_lettered_total{stage="sink"}',
    grows: (fed) => fed.scoredJunk,
  },
  { service: 'sink', what: 'write latency histogram', selector: 'vigil_sink_write_seconds_count', grows: () => 1 },
];

describe('Prometheus scrapes the running services: key series exist and move', { timeout: 420_000 }, () => {
  const baseline = new Map<string, number>();
  let pipeline: ObservedPipeline | undefined;
  let fed: FeedResult & { runName: string };
  let openBefore: number;

  const prometheus = () => {
    assert.ok(pipeline, 'the pipeline fixture is up');
    return pipeline.prometheus;
  };
  const openPublished = () => prometheus().total('max(vigil_incidents_open{alias="published"})');

  before(async () => {
    pipeline = await observedPipeline();
    // A first feed creates the labelled series (prom-client exports a labelled
    // counter from its first increment, and Prometheus cannot see that jump),
    // so that the second one shows as an increase.
    await pipeline.feed();
    await pipeline.waitForSeries(GROWTH.map((c) => c.selector));
    for (const check of GROWTH) baseline.set(check.selector, await prometheus().total(`sum(${check.selector})`));
    openBefore = await openPublished();
    fed = await pipeline.feed();
  });

  after(async () => {
    await pipeline?.close();
  });

  test('every live service is up for Prometheus and reports its process and lag', async () => {
    for (const name of LIVE_SERVICES) {
      assert.deepEqual(await prometheus().targetHealth(`vigil-${name}`), ['up'], `vigil-${name} target`);
      const memory = await prometheus().query(`vigil_process_resident_memory_bytes{service="${name}"}`);
      assert.equal(memory.length, 1, `${name} resident memory`);
      assert.ok((memory[0]?.value ?? 0) > 10_000_000, `${name} uses some memory`);
      const lag = await prometheus().query(`vigil_consumer_lag{stage="${name}"}`);
      assert.ok(lag.length > 0, `${name} consumer lag series`);
    }
  });

  for (const check of GROWTH) {
    test(`${check.service}: ${check.what} grows`, async () => {
      assert.ok(pipeline);
      const from = baseline.get(check.selector) ?? 0;
      const want = check.grows(fed);
      assert.ok(want > 0, 'a check expects some growth');
      const reached = await waitFor(
        `sum(${check.selector}) to grow by ${want} from ${from}`,
        async () => {
          const now = await prometheus().total(`sum(${check.selector})`);
          return now >= from + want ? now : undefined;
        },
        pipeline.settleMs,
        1_000,
      );
      assert.ok(reached >= from + want);
      const moving = await prometheus().query(`sum(increase(${check.selector}[2m])) > 0`);
      assert.equal(moving.length, 1, `increase(${check.selector}[2m]) > 0`);
    });
  }

  test('scoring: each model@alias reports one version in use, the one its alias points at in MLflow', async () => {
    const versions = await aliasVersions();
    for (const ref of SCORING_MODELS) {
      const info = await prometheus().query(`vigil_scoring_model_info{model="${ref.model}", alias="${ref.alias}"}`);
      assert.deepEqual(
        info.map((s) => [s.metric.version, s.value]),
        [[versions.get(refName(ref)), 1]],
        `${refName(ref)}: vigil_scoring_model_info`,
      );
    }
  });

  test('incident: open incidents rise while one is open and fall when it closes', async () => {
    assert.ok(pipeline);
    const open = await waitFor(
      'one more open published incident',
      async () => {
        const now = await openPublished();
        return now >= openBefore + 1 ? now : undefined;
      },
      pipeline.settleMs,
      1_000,
    );
    await pipeline.closeIncidents();
    const closed = await waitFor(
      `the runs' open incidents to close (from ${open})`,
      async () => {
        const now = await openPublished();
        return now <= open - 1 ? now : undefined;
      },
      pipeline.settleMs,
      1_000,
    );
    assert.ok(closed < open, `${fed.runName}: open incidents ${open} → ${closed}`);
  });
});
