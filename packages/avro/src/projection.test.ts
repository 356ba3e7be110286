import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadSchemas, type ScoredAlert } from '@vigil/contracts';
import { omitFields } from './projection.ts';

const full = loadSchemas().get('vigil.ScoredAlert')?.type;
if (!full) throw new Error('vigil.ScoredAlert is not in schemas/');

const scored: ScoredAlert = {
  alert: {
    id: 'a-1',
    source: 'skab',
    entity: 'pump-1',
    ts: 1_700_000_000_000,
    ingestedAt: 1_700_000_000_100,
    values: { Pressure: 1.5, Temperature: 70.25 },
    attrs: { site: 'north' },
    features: { 'Pressure.mean': 1.4, 'Pressure.std': 0.1 },
    origin: { topic: 'telemetry.raw', partition: 2, offset: '17', format: 'JSON' },
  },
  scores: [],
  scoredAt: 1_700_000_000_200,
};

describe('omitFields', () => {
  it('reads a record written with the full schema without the left-out fields, the rest unchanged', () => {
    const head = omitFields(full, ['alert.values', 'alert.attrs', 'alert.features']);
    const decoded = head.fromBuffer(full.toBuffer(scored), head.createResolver(full)) as Record<string, unknown>;
    const { values: _values, attrs: _attrs, features: _features, ...alert } = scored.alert;
    assert.deepEqual(JSON.parse(JSON.stringify(decoded)), { ...scored, alert });
  });

  it('leaves the schema it was given as it was', () => {
    omitFields(full, ['alert.features']);
    const decoded = full.fromBuffer(full.toBuffer(scored)) as ScoredAlert;
    assert.deepEqual(decoded.alert.features, scored.alert.features);
  });

  it('refuses a path that names no field', () => {
    assert.throws(() => omitFields(full, ['alert.nothing']), { name: 'VigilError', code: 'VIGIL_AVRO_SCHEMA_INVALID' });
  });
});
