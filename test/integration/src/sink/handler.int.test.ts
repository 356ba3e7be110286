import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AvroCodec } from '@vigil/avro';
import { type TopicNames, topicNames } from '@vigil/contracts';
import type { SourceRecord } from '@vigil/kafka';
import { createPool } from '@vigil/postgres';
import { SinkHandler, StoreWriter } from '@vigil/sink';
import { stackEnv, uniqueName } from '@vigil/test-kit';
import { incident, label, type StoreFixture, score, scoredAlert, storeFixture, T0 } from './fixture.ts';

let offset = 0;
function record(topic: string, value: Buffer | null): SourceRecord {
  const at = String(offset++);
  return {
    topic,
    partition: 0,
    offset: at,
    message: { key: null, value, headers: {}, timestamp: String(T0), offset: at, attributes: 0 },
  } as unknown as SourceRecord;
}

async function rows(fixture: StoreFixture, sql: string): Promise<unknown[]> {
  return (await fixture.pool.query(sql)).rows;
}

describe('sink handler', () => {
  let fixture: StoreFixture;
  let codec: AvroCodec;
  let topics: TopicNames;
  let handler: SinkHandler;

  before(async () => {
    fixture = await storeFixture();
    codec = new AvroCodec({ registryUrl: stackEnv.registryUrl });
    topics = topicNames({
      TOPIC_ALERTS_SCORED: uniqueName('sink-scored'),
      TOPIC_INCIDENTS: uniqueName('sink-incidents'),
      TOPIC_INCIDENTS_SHADOW: uniqueName('sink-shadow'),
      TOPIC_FEEDBACK_LABELS: uniqueName('sink-labels'),
    });
    await codec.registerTopic(topics.alertsScored, 'vigil.ScoredAlert');
    await codec.registerTopic(topics.incidents, 'vigil.Incident');
    await codec.registerTopic(topics.incidentsShadow, 'vigil.Incident');
    await codec.registerTopic(topics.feedbackLabels, 'vigil.Label');
    handler = new SinkHandler({ codec, writer: new StoreWriter(fixture.pool), topics });
  });
  after(() => fixture.cleanup());

  it('subscribes to the four input topics', () => {
    assert.deepEqual(
      handler.topics.sort(),
      [topics.alertsScored, topics.feedbackLabels, topics.incidents, topics.incidentsShadow].sort(),
    );
  });

  it('writes decodable records, dead-letters the rest, and acknowledges with no outputs', async () => {
    const batch = [
      record(topics.alertsScored, codec.encode(topics.alertsScored, scoredAlert('a-1', T0))),
      record(topics.alertsScored, Buffer.from('not avro')),
      record(topics.incidents, codec.encode(topics.incidents, incident())),
      record(topics.incidentsShadow, codec.encode(topics.incidentsShadow, incident({ incidentId: 'inc-s' }))),
      record(topics.feedbackLabels, codec.encode(topics.feedbackLabels, label())),
      record(topics.feedbackLabels, Buffer.from(JSON.stringify({ ...label(), labeller: 'json-bob' }))),
      record(topics.feedbackLabels, Buffer.from('{"alertId": 1}')),
      record(topics.feedbackLabels, null),
      record('somewhere.else', Buffer.from('{}')),
    ];
    const outcomes = await handler.process(batch);
    assert.deepEqual(
      outcomes.map((o) => (o.kind === 'ACK' ? `ACK ${o.outputs.length}` : `DEAD_LETTER ${o.code}`)),
      [
        'ACK 0',
        'DEAD_LETTER VIGIL_AVRO_BAD_MAGIC_BYTE',
        'ACK 0',
        'ACK 0',
        'ACK 0',
        'ACK 0',
        'DEAD_LETTER VIGIL_SINK_INVALID_RECORD',
        'DEAD_LETTER VIGIL_SINK_INVALID_RECORD',
        'DEAD_LETTER VIGIL_SINK_INVALID_RECORD',
      ],
    );
    assert.deepEqual(await rows(fixture, 'SELECT alert_id, alias FROM scores'), [
      { alert_id: 'a-1', alias: 'published' },
    ]);
    assert.deepEqual(await rows(fixture, 'SELECT incident_id, topic FROM incident_events ORDER BY 1'), [
      { incident_id: 'inc-1', topic: topics.incidents },
      { incident_id: 'inc-s', topic: topics.incidentsShadow },
    ]);
    assert.deepEqual(await rows(fixture, 'SELECT labeller FROM labels ORDER BY 1'), [
      { labeller: 'alice' },
      { labeller: 'json-bob' },
    ]);

    // The loop retries or replays the same batch after a crash: nothing is added.
    const again = await handler.process(batch);
    assert.equal(again.filter((o) => o.kind === 'ACK').length, 5);
    assert.deepEqual(await rows(fixture, 'SELECT count(*)::int AS n FROM scores'), [{ n: 1 }]);
    assert.deepEqual(await rows(fixture, 'SELECT count(*)::int AS n FROM incident_events'), [{ n: 2 }]);
    assert.deepEqual(await rows(fixture, 'SELECT count(*)::int AS n FROM labels'), [{ n: 2 }]);
  });

  it('dead-letters only the record PostgreSQL refuses, writing the rest of its batch', async () => {
    const outcomes = await handler.process([
      record(topics.alertsScored, codec.encode(topics.alertsScored, scoredAlert('good-1', T0, [score()]))),
      record(topics.alertsScored, codec.encode(topics.alertsScored, scoredAlert('bad', T0, [score()], 'nul\u0000'))),
      record(topics.alertsScored, codec.encode(topics.alertsScored, scoredAlert('good-2', T0, [score()]))),
    ]);
    assert.deepEqual(
      outcomes.map((o) => (o.kind === 'ACK' ? 'ACK' : `${o.code}`)),
      ['ACK', 'VIGIL_SINK_REJECTED_ROW', 'ACK'],
    );
    assert.deepEqual(
      await rows(fixture, `SELECT alert_id FROM scores WHERE alert_id IN ('good-1', 'good-2', 'bad') ORDER BY 1`),
      [{ alert_id: 'good-1' }, { alert_id: 'good-2' }],
    );
  });

  it('throws the retriable VIGIL_DATABASE_UNAVAILABLE when PostgreSQL is down, acknowledging nothing', async () => {
    const down = createPool({
      url: 'postgres://vigil:vigil@127.0.0.1:1/vigil',
      schema: 'public',
      connectionTimeoutMs: 500,
      applicationName: 'vigil-sink-test',
    });
    down.on('error', () => undefined);
    try {
      const offline = new SinkHandler({ codec, writer: new StoreWriter(down), topics });
      await assert.rejects(
        offline.process([record(topics.alertsScored, codec.encode(topics.alertsScored, scoredAlert('x', T0)))]),
        { code: 'VIGIL_DATABASE_UNAVAILABLE', retriable: true },
      );
    } finally {
      await down.end();
    }
  });

  it('throws the retriable VIGIL_REGISTRY_UNAVAILABLE when a schema cannot be fetched', async () => {
    const blind = new AvroCodec({ registryUrl: 'http://127.0.0.1:1/apis/ccompat/v7' });
    const offline = new SinkHandler({ codec: blind, writer: new StoreWriter(fixture.pool), topics });
    await assert.rejects(
      offline.process([record(topics.alertsScored, codec.encode(topics.alertsScored, scoredAlert('y', T0)))]),
      { code: 'VIGIL_REGISTRY_UNAVAILABLE', retriable: true },
    );
  });
});
