import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSinkMetrics, StoreWriter, type StoreWriterOptions } from '@vigil/sink';
import { Registry } from 'prom-client';
import { DAY, incident, label, type StoreFixture, score, scoredAlert, storeFixture, T0 } from './fixture.ts';

async function partitions(fixture: StoreFixture, parent: string): Promise<string[]> {
  const result = await fixture.pool.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = $1::regclass ORDER BY 1`,
    [parent],
  );
  return result.rows.map((r) => r.name);
}

async function count(fixture: StoreFixture, table: string): Promise<number> {
  const result = await fixture.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return result.rows[0]?.n ?? -1;
}

// `auto` with a threshold of 3 rows: COPY for the 4 scores, unnest for the 2 alerts, in one transaction.
const CONFIGS: StoreWriterOptions[] = [
  { method: 'copy' },
  { method: 'insert' },
  { method: 'auto', copyThresholdRows: 3 },
];

for (const config of CONFIGS) {
  describe(`store writer (${JSON.stringify(config)})`, () => {
    let fixture: StoreFixture;
    let writer: StoreWriter;
    const registry = new Registry();
    const metrics = createSinkMetrics(registry);

    before(async () => {
      fixture = await storeFixture();
      writer = new StoreWriter(fixture.pool, { ...config, metrics });
    });
    after(() => fixture.cleanup());

    const batch = {
      scoredAlerts: [
        scoredAlert('a-1', T0, [
          score(),
          score({ alias: 'challenger', version: '4' }),
          score({
            module: 'rules',
            model: 'vigil-rules',
            version: '1',
            raw: null,
            calibrated: null,
            verdict: 'MISSING',
            missingReason: 'TIMEOUT',
            elements: [],
            contributors: [],
          }),
        ]),
        scoredAlert('a-2', T0 + 1_000, [score({ verdict: 'NORMAL', calibrated: 0.1 })]),
      ],
      incidents: [
        { incident: incident(), topic: 'incidents' },
        { incident: incident({ sequence: 1, status: 'UPDATED', alertIds: ['a-1', 'a,"2"\\'] }), topic: 'incidents' },
      ],
      labels: [label(), label({ labeller: 'bob', label: 'NORMAL', comment: 'tab\there' })],
    };

    it('writes every row of a batch in one go', async () => {
      const result = await writer.write(batch);
      assert.deepEqual(result.inserted, { alerts: 2, scores: 4, incident_events: 2, labels: 2 });
      assert.deepEqual(result.duplicates, { alerts: 0, scores: 0, incident_events: 0, labels: 0 });
      assert.equal(result.partitionsCreated, 2);
      assert.equal(await count(fixture, 'scores'), 4);
      assert.equal(await count(fixture, 'alerts'), 2);
    });

    it('leaves one row per key when the same batch is written again', async () => {
      const result = await writer.write(batch);
      assert.deepEqual(result.inserted, { alerts: 0, scores: 0, incident_events: 0, labels: 0 });
      assert.deepEqual(result.duplicates, { alerts: 2, scores: 4, incident_events: 2, labels: 2 });
      const keys = await fixture.pool.query(
        'SELECT alert_id, model, version, alias, count(*) FROM scores GROUP BY 1, 2, 3, 4 HAVING count(*) > 1',
      );
      assert.equal(keys.rowCount, 0);
      assert.equal(await count(fixture, 'scores'), 4);
      assert.equal(await count(fixture, 'incident_events'), 2);
      assert.equal(await count(fixture, 'labels'), 2);
      const written = await registry.getSingleMetric('vigil_sink_rows_written_total')?.get();
      const scores = written?.values.find((v) => v.labels.table === 'scores');
      assert.equal(scores?.value, 4);
      const duplicates = await registry.getSingleMetric('vigil_sink_rows_duplicate_total')?.get();
      assert.equal(duplicates?.values.find((v) => v.labels.table === 'scores')?.value, 4);
    });

    it('stores a key seen twice in one batch, or beside new rows, once', async () => {
      const result = await writer.write({
        scoredAlerts: [
          scoredAlert('twice', T0),
          scoredAlert('twice', T0),
          scoredAlert('a-1', T0),
          scoredAlert('new', T0),
        ],
        incidents: [],
        labels: [],
      });
      assert.deepEqual(result.inserted, { alerts: 2, scores: 2, incident_events: 0, labels: 0 });
      assert.deepEqual(result.duplicates, { alerts: 2, scores: 2, incident_events: 0, labels: 0 });
      await fixture.pool.query(`DELETE FROM scores WHERE alert_id IN ('twice', 'new')`);
      await fixture.pool.query(`DELETE FROM alerts WHERE alert_id IN ('twice', 'new')`);
    });

    it('keeps every field exactly, times to the millisecond', async () => {
      const row = await fixture.pool.query(
        `SELECT (extract(epoch FROM ts) * 1000)::bigint AS ts_ms, (extract(epoch FROM scored_at) * 1000)::bigint AS scored_ms,
                entity, source, raw, calibrated, verdict, missing_reason, unsure_above, anomaly_above, elements,
                contributors, latency_ms
         FROM scores WHERE alert_id = 'a-1' AND model = 'vigil-rules'`,
      );
      assert.deepEqual(row.rows[0], {
        ts_ms: String(T0),
        scored_ms: String(T0 + 200),
        entity: 'host-1',
        source: 'skab',
        raw: null,
        calibrated: null,
        verdict: 'MISSING',
        missing_reason: 'TIMEOUT',
        unsure_above: 0.9,
        anomaly_above: 0.95,
        elements: [],
        contributors: [],
        latency_ms: 1.25,
      });
      const alert = await fixture.pool.query(
        `SELECT signal_values, attrs, features, origin_topic, origin_partition, origin_offset, origin_format,
                (extract(epoch FROM ingested_at) * 1000)::bigint AS ingested_ms
         FROM alerts WHERE alert_id = 'a-2'`,
      );
      assert.deepEqual(alert.rows[0], {
        signal_values: { cpu: 0.5, temp: 71.25 },
        attrs: { rule: 'r1' },
        features: { cpu_mean_5m: 0.45 },
        origin_topic: 'telemetry.raw',
        origin_partition: 0,
        origin_offset: '42',
        origin_format: 'JSON',
        ingested_ms: String(T0 + 1_100),
      });
      const events = await fixture.pool.query(
        `SELECT sequence, status, alert_ids, closed_at, active_at = last_anomaly_at AS active_is_last_anomaly
         FROM incident_events ORDER BY sequence`,
      );
      assert.deepEqual(events.rows, [
        { sequence: 0, status: 'OPEN', alert_ids: ['a-1'], closed_at: null, active_is_last_anomaly: true },
        {
          sequence: 1,
          status: 'UPDATED',
          alert_ids: ['a-1', 'a,"2"\\'],
          closed_at: null,
          active_is_last_anomaly: true,
        },
      ]);
      const labels = await fixture.pool.query('SELECT labeller, label, comment FROM labels ORDER BY labeller');
      assert.deepEqual(labels.rows, [
        { labeller: 'alice', label: 'ANOMALY', comment: null },
        { labeller: 'bob', label: 'NORMAL', comment: 'tab\there' },
      ]);
    });

    it('creates the daily partition of each new UTC day and puts rows in theirs', async () => {
      const midnight = Date.UTC(2024, 0, 17);
      const result = await writer.write({
        scoredAlerts: [
          scoredAlert('late', midnight - 1),
          scoredAlert('early', midnight),
          scoredAlert('far', T0 + 40 * DAY),
        ],
        incidents: [],
        labels: [],
      });
      assert.equal(result.partitionsCreated, 6);
      assert.deepEqual(await partitions(fixture, 'scores'), [
        'scores_p20240115',
        'scores_p20240116',
        'scores_p20240117',
        'scores_p20240224',
      ]);
      assert.deepEqual(await partitions(fixture, 'alerts'), [
        'alerts_p20240115',
        'alerts_p20240116',
        'alerts_p20240117',
        'alerts_p20240224',
      ]);
      const placed = await fixture.pool.query<{ alert_id: string; part: string }>(
        `SELECT alert_id, tableoid::regclass::text AS part FROM scores WHERE alert_id IN ('late', 'early') ORDER BY 1`,
      );
      assert.deepEqual(placed.rows, [
        { alert_id: 'early', part: 'scores_p20240117' },
        { alert_id: 'late', part: 'scores_p20240116' },
      ]);
    });

    it('refuses a batch PostgreSQL cannot store as VIGIL_SINK_REJECTED_ROW, committing none of it', async () => {
      const before = await count(fixture, 'scores');
      await assert.rejects(
        writer.write({
          scoredAlerts: [scoredAlert('ok-1', T0), scoredAlert('nul', T0, [score()], 'host\u0000evil')],
          incidents: [],
          labels: [],
        }),
        { code: 'VIGIL_SINK_REJECTED_ROW', retriable: false },
      );
      assert.equal(await count(fixture, 'scores'), before);
    });

    it('drops whole days of partitions for retention', async () => {
      const dropped = await fixture.pool.query<{ name: string }>(
        `SELECT vigil_drop_daily_partitions_before('scores', '2024-01-17') AS name`,
      );
      assert.deepEqual(
        dropped.rows.map((r) => r.name),
        ['scores_p20240115', 'scores_p20240116'],
      );
      assert.deepEqual(await partitions(fixture, 'scores'), ['scores_p20240117', 'scores_p20240224']);
    });

    it('creates a dropped partition again when its day comes back', async () => {
      const result = await writer.write({ scoredAlerts: [scoredAlert('back', T0)], incidents: [], labels: [] });
      assert.deepEqual(result.inserted, { alerts: 1, scores: 1, incident_events: 0, labels: 0 });
      assert.equal(result.partitionsCreated, 1);
      assert.deepEqual(await partitions(fixture, 'scores'), [
        'scores_p20240115',
        'scores_p20240117',
        'scores_p20240224',
      ]);
    });
  });
}
