import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type avro from 'avsc';
import { dlqTopic, loadSchemas, TOPIC_CONTRACTS, TOPIC_KEYS, topicNames, valueSubject } from './index.ts';
import type { Alert, FeedbackRequest, Incident, Label, RecordBySchema, ScoredAlert, Telemetry } from './types.ts';

const schemas = loadSchemas();

describe('topic contracts', () => {
  it('gives every topic a schema file and every schema file a topic', () => {
    const used = new Set<string>(TOPIC_KEYS.map((k) => TOPIC_CONTRACTS[k].schema));
    for (const name of used) assert.ok(schemas.has(name), `topic schema ${name} has no file in schemas/`);
    for (const name of schemas.keys()) assert.ok(used.has(name), `schema ${name} is used by no topic`);
  });

  it('derives DLQ and subject names and applies TOPIC_* overrides', () => {
    assert.equal(dlqTopic('telemetry.raw'), 'telemetry.raw.dlq');
    assert.equal(valueSubject('alerts.scored'), 'alerts.scored-value');
    const names = topicNames({ TOPIC_INCIDENTS: 'ops.incidents', TOPIC_ALERTS_SCORED: '  ' });
    assert.equal(names.incidents, 'ops.incidents');
    assert.equal(names.alertsScored, 'alerts.scored');
    assert.equal(new Set(Object.values(topicNames({}))).size, TOPIC_KEYS.length);
  });

  it('embeds in ScoredAlert exactly the Alert of alert.avsc', () => {
    const scored = schemas.get('vigil.ScoredAlert')?.definition as { fields: { name: string; type: unknown }[] };
    const embedded = scored.fields.find((f) => f.name === 'alert')?.type;
    assert.deepEqual(embedded, schemas.get('vigil.Alert')?.definition);
  });
});

const alert: Alert = {
  id: 'a1',
  source: 'skab',
  entity: 'pump-1',
  ts: 1_700_000_000_000,
  ingestedAt: 1_700_000_000_500,
  values: { temp: 21.5 },
  attrs: { site: 'x' },
  features: { 'temp.mean': 21 },
  origin: { topic: 'telemetry.raw', partition: 0, offset: '42', format: 'JSON' },
};
const samples: { [N in keyof RecordBySchema]: RecordBySchema[N] } = {
  'vigil.Telemetry': { id: null, source: 's', entity: 'e', ts: 1, values: { a: 1 }, attrs: {} } satisfies Telemetry,
  'vigil.Alert': alert,
  'vigil.ScoredAlert': {
    alert,
    scoredAt: 1_700_000_000_900,
    scores: [
      {
        module: 'm',
        model: 'pump-envelope',
        version: '3',
        alias: 'published',
        raw: 12.5,
        calibrated: 0.97,
        verdict: 'UNSURE',
        missingReason: null,
        thresholds: { unsureAbove: 0.95, anomalyAbove: 0.99 },
        elements: [{ name: 'env', kind: 'elliptic_envelope', raw: 12.5, calibrated: 0.97 }],
        contributors: [{ signal: 'temp', weight: 0.8 }],
        latencyMs: 0.4,
      },
    ],
  } satisfies ScoredAlert,
  'vigil.Incident': {
    incidentId: 'i1',
    groupId: 'g1',
    status: 'OPEN',
    sequence: 0,
    reminder: false,
    entity: 'pump-1',
    source: 'skab',
    module: 'm',
    model: 'pump-envelope',
    version: '3',
    alias: 'published',
    actionable: true,
    severity: 'HIGH',
    peakScore: 0.999,
    openedAt: 1,
    lastAnomalyAt: 2,
    closedAt: null,
    processedAt: 3,
    alertIds: ['a1'],
    contributors: [],
  } satisfies Incident,
  'vigil.FeedbackRequest': {
    requestId: 'r1',
    alertId: 'a1',
    entity: 'pump-1',
    source: 'skab',
    ts: 1,
    module: 'm',
    model: 'pump-envelope',
    version: '3',
    alias: 'published',
    verdict: 'UNSURE',
    calibrated: 0.96,
    reason: 'INJECTED_UNSURE',
    inclusionProbability: 0.01,
    requestedAt: 2,
  } satisfies FeedbackRequest,
  'vigil.Label': {
    alertId: 'a1',
    requestId: 'r1',
    label: 'ANOMALY',
    labeller: 'ops',
    labelledAt: 5,
    comment: null,
  } satisfies Label,
};

describe('TypeScript shapes', () => {
  for (const [name, sample] of Object.entries(samples)) {
    it(`round-trips a ${name} through its Avro schema unchanged`, () => {
      const type = schemas.get(name)?.type as avro.Type;
      assert.ok(type.isValid(sample), `${name} sample does not fit its schema`);
      const decoded: unknown = type.fromBuffer(type.toBuffer(sample));
      assert.deepEqual(JSON.parse(JSON.stringify(decoded)), sample);
    });
  }
});
