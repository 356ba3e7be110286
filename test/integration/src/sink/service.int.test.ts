import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AvroCodec } from '@vigil/avro';
import { dlqTopic, type Incident, type Label, type ScoredAlert } from '@vigil/contracts';
import {
  readTopics,
  type ServiceProcess,
  stackEnv,
  startService,
  testKafka,
  uniqueName,
  waitFor,
} from '@vigil/test-kit';
import type { Admin, Producer } from 'kafkajs';
import { incident, label, type StoreFixture, score, scoredAlert, storeFixture, T0 } from './fixture.ts';

const ALERTS = 6_000;
const ENTITIES = 30;
const INCIDENTS = 60;
const EVENTS_PER_INCIDENT = 3;
const BAD_SCORED = 4;
const BAD_LABELS = 3;

interface Topics {
  scored: string;
  incidents: string;
  shadow: string;
  labels: string;
}

/** The stream: every alert with a published and a challenger score, incident events on both topics, labels as Avro and JSON. */
function stream() {
  const alerts: ScoredAlert[] = [];
  for (let i = 0; i < ALERTS; i++) {
    // Two days of event time, so partitions of two days are created.
    const ts = T0 + i * 30_000;
    alerts.push(
      scoredAlert(`alert-${i}`, ts, [score(), score({ alias: 'challenger', version: '4' })], `host-${i % ENTITIES}`),
    );
  }
  const incidents: Incident[] = [];
  for (let n = 0; n < INCIDENTS; n++) {
    for (let sequence = 0; sequence < EVENTS_PER_INCIDENT; sequence++) {
      incidents.push(
        incident({
          incidentId: `incident-${n}`,
          sequence,
          status: sequence === 0 ? 'OPEN' : sequence === EVENTS_PER_INCIDENT - 1 ? 'CLOSED' : 'UPDATED',
          entity: `host-${n % ENTITIES}`,
          alias: n % 2 === 0 ? 'published' : 'challenger',
          alertIds: [`alert-${n}`],
          closedAt: sequence === EVENTS_PER_INCIDENT - 1 ? T0 + 3_600_000 : null,
        }),
      );
    }
  }
  const labels: Label[] = [];
  for (let i = 0; i < 300; i++) labels.push(label({ alertId: `alert-${i * 7}`, labeller: `labeller-${i % 3}` }));
  return { alerts, incidents, labels };
}

async function count(fixture: StoreFixture, sql: string): Promise<number> {
  const result = await fixture.pool.query<{ n: number }>(sql);
  return result.rows[0]?.n ?? -1;
}

async function groupLag(admin: Admin, groupId: string, topics: string[]): Promise<number> {
  let lag = 0;
  const committed = await admin.fetchOffsets({ groupId, topics });
  for (const { topic, partitions } of committed) {
    const ends = await admin.fetchTopicOffsets(topic);
    for (const end of ends) {
      const done = partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
      lag += Number(end.offset) - Math.max(0, Number(done));
    }
  }
  return lag;
}

describe('sink service through Kafka and PostgreSQL', { timeout: 300_000 }, () => {
  const kafka = testKafka(uniqueName('sink-test'));
  let admin: Admin;
  let producer: Producer;
  let codec: AvroCodec;
  let fixture: StoreFixture;
  let topics: Topics;
  const created: string[] = [];
  const services: ServiceProcess[] = [];

  before(async () => {
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer();
    await producer.connect();
    codec = await AvroCodec.connect({ registryUrl: stackEnv.registryUrl });
    // The service applies the migrations itself (SINK_MIGRATE defaults to true).
    fixture = await storeFixture({ migrated: false });
    topics = {
      scored: uniqueName('sink-scored'),
      incidents: uniqueName('sink-incidents'),
      shadow: uniqueName('sink-shadow'),
      labels: uniqueName('sink-labels'),
    };
    const inputs = Object.values(topics);
    created.push(...inputs, ...inputs.map(dlqTopic));
    await admin.createTopics({ waitForLeaders: true, topics: created.map((topic) => ({ topic, numPartitions: 3 })) });
    await codec.registerTopic(topics.scored, 'vigil.ScoredAlert');
    await codec.registerTopic(topics.incidents, 'vigil.Incident');
    await codec.registerTopic(topics.shadow, 'vigil.Incident');
    await codec.registerTopic(topics.labels, 'vigil.Label');
  });

  after(async () => {
    for (const service of services) await service.kill('SIGKILL');
    await producer.disconnect();
    await admin.deleteTopics({ topics: created }).catch(() => undefined);
    await admin.disconnect();
    await fixture.cleanup();
  });

  function start(group: string): ServiceProcess {
    const service = startService('sink', {
      KAFKA_BROKERS: stackEnv.kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: stackEnv.registryUrl,
      DATABASE_URL: stackEnv.databaseUrl,
      SINK_DB_SCHEMA: fixture.schema,
      TOPIC_ALERTS_SCORED: topics.scored,
      TOPIC_INCIDENTS: topics.incidents,
      TOPIC_INCIDENTS_SHADOW: topics.shadow,
      TOPIC_FEEDBACK_LABELS: topics.labels,
      SINK_GROUP_ID: group,
      SINK_CLIENT_ID: group,
      SINK_METRICS_PORT: '0',
      // The broker's minimum: a killed member's partitions move on after 6 s, not 30.
      SINK_SESSION_TIMEOUT: '6s',
      // Small batches: many transactions and offset commits, so the kill lands between them.
      SINK_MAX_BATCH_RECORDS: '40',
    });
    services.push(service);
    return service;
  }

  async function produce(topic: string, messages: { key: string; value: Buffer }[]): Promise<void> {
    for (let i = 0; i < messages.length; i += 1_000) {
      await producer.send({ topic, messages: messages.slice(i, i + 1_000) });
    }
  }

  it('kill -9 mid-stream and restart: every row stored exactly once, bad records on the DLQ', async () => {
    const { alerts, incidents, labels } = stream();
    await produce(
      topics.scored,
      alerts.map((a) => ({ key: a.alert.entity, value: codec.encode(topics.scored, a) })),
    );
    await produce(topics.scored, [
      ...Array.from({ length: BAD_SCORED }, (_, i) => ({ key: 'bad', value: Buffer.from(`not avro ${i}`) })),
    ]);
    await produce(
      topics.incidents,
      incidents
        .filter((i) => i.alias === 'published')
        .map((i) => ({ key: i.entity, value: codec.encode(topics.incidents, i) })),
    );
    await produce(
      topics.shadow,
      incidents
        .filter((i) => i.alias !== 'published')
        .map((i) => ({ key: i.entity, value: codec.encode(topics.shadow, i) })),
    );
    await produce(topics.labels, [
      // Half Avro, half JSON, and a few that are neither.
      ...labels.map((l, i) => ({
        key: l.alertId,
        value: i % 2 === 0 ? codec.encode(topics.labels, l) : Buffer.from(JSON.stringify(l)),
      })),
      ...Array.from({ length: BAD_LABELS }, (_, i) => ({ key: 'bad', value: Buffer.from(`{"alertId": ${i}}`) })),
    ]);

    const group = uniqueName('sink-group');
    const first = start(group);
    const scoreRows = ALERTS * 2;
    const atKill = await waitFor(
      'the first sink to store part of the stream',
      async () => {
        const n = await count(fixture, 'SELECT count(*)::int AS n FROM scores').catch(() => 0);
        return n >= scoreRows / 10 ? n : undefined;
      },
      120_000,
      20,
    );
    assert.equal(await first.kill('SIGKILL'), 'SIGKILL', first.output());
    const afterKill = await count(fixture, 'SELECT count(*)::int AS n FROM scores');
    assert.ok(afterKill < scoreRows, `killed mid-stream (${atKill} rows seen, ${afterKill} at kill)`);

    const second = start(group);
    await waitFor(
      'every row after the restart',
      async () => {
        const n = await count(fixture, 'SELECT count(*)::int AS n FROM scores');
        return n >= scoreRows ? n : undefined;
      },
      180_000,
      200,
    );
    const inputs = Object.values(topics);
    await waitFor(
      'every offset committed',
      async () => ((await groupLag(admin, group, inputs)) === 0 ? true : undefined),
      60_000,
    );

    // Exactly one row per key, and exactly the keys sent.
    assert.equal(await count(fixture, 'SELECT count(*)::int AS n FROM scores'), scoreRows);
    assert.equal(
      await count(fixture, 'SELECT count(DISTINCT (alert_id, model, version, alias))::int AS n FROM scores'),
      scoreRows,
    );
    assert.equal(await count(fixture, 'SELECT count(*)::int AS n FROM alerts'), ALERTS);
    const ids = await fixture.pool.query<{ alert_id: string }>('SELECT alert_id FROM alerts');
    assert.deepEqual(new Set(ids.rows.map((r) => r.alert_id)), new Set(alerts.map((a) => a.alert.id)));
    assert.equal(
      await count(fixture, 'SELECT count(*)::int AS n FROM incident_events'),
      INCIDENTS * EVENTS_PER_INCIDENT,
    );
    assert.equal(await count(fixture, 'SELECT count(*)::int AS n FROM labels'), labels.length);
    assert.equal(
      await count(fixture, `SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'scores'::regclass`),
      3,
      'T0 plus 6000 alerts 30 s apart span three UTC days',
    );

    // Each bad record is on its topic's DLQ (possibly twice: it may be re-read after the kill).
    const dead = await readTopics(kafka, [dlqTopic(topics.scored), dlqTopic(topics.labels)], {
      until: (messages) =>
        new Set(
          messages.map((m) => `${m.topic}/${m.headers['vigil.source.partition']}/${m.headers['vigil.source.offset']}`),
        ).size >=
        BAD_SCORED + BAD_LABELS,
      timeoutMs: 30_000,
    });
    const codes = new Map<string, Set<string>>();
    for (const m of dead) {
      const key = m.headers['vigil.error.code'] ?? '?';
      codes.set(
        key,
        (codes.get(key) ?? new Set()).add(`${m.headers['vigil.source.partition']}/${m.headers['vigil.source.offset']}`),
      );
    }
    assert.equal(codes.get('VIGIL_AVRO_BAD_MAGIC_BYTE')?.size, BAD_SCORED);
    assert.equal(codes.get('VIGIL_SINK_INVALID_RECORD')?.size, BAD_LABELS);
    assert.deepEqual([...codes.keys()].sort(), ['VIGIL_AVRO_BAD_MAGIC_BYTE', 'VIGIL_SINK_INVALID_RECORD']);

    assert.equal(await second.kill('SIGTERM'), 0, second.output());
  });
});
