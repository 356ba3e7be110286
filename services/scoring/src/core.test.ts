import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadSchemas } from '@vigil/contracts';
import { missingScore } from './core.ts';

const scoredAlert = loadSchemas().get('vigil.ScoredAlert')?.type;
const alert = {
  id: 'a-1',
  source: 'test',
  entity: 'pump-1',
  ts: 1_700_000_000_000,
  ingestedAt: 1_700_000_000_100,
  values: { a: 6 },
  attrs: {},
  features: {},
  origin: { topic: 't', partition: 0, offset: '0', format: 'JSON' as const },
};
const by = { model: 'skab-rules', version: '3', alias: 'published' };

describe('scores', () => {
  it('writes MISSING scores with the reason, from what is known of the module', () => {
    const info = {
      module: 'test-rules',
      thresholds: { unsureAbove: 0.5, anomalyAbove: 1 },
      elements: [{ name: 'rules', kind: 'rules' }],
      inputs: { values: ['a'], features: [], attrs: [] },
      manifestSha256: 'x',
    };
    const known = missingScore(by, info, 'MODULE_TIMEOUT', 2_000);
    assert.equal(known.verdict, 'MISSING');
    assert.equal(known.missingReason, 'MODULE_TIMEOUT');
    assert.equal(known.module, 'test-rules');
    assert.deepEqual(known.elements, [{ name: 'rules', kind: 'rules', raw: null, calibrated: null }]);
    const unknown = missingScore({ ...by, version: '' }, undefined, 'MODULE_LOADING', 0);
    assert.equal(unknown.module, 'skab-rules');
    assert.deepEqual(unknown.thresholds, { unsureAbove: 1, anomalyAbove: 1 });
    assert.ok(scoredAlert?.isValid({ alert, scores: [known, unknown], scoredAt: 0 }));
  });
});
