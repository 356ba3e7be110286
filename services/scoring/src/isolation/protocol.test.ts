import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ModuleResult } from '../runtime/index.ts';
import { verdictIndices } from '../score-bytes.ts';
import { decodeBatch, decodeResults, encodeBatch, encodeResults } from './protocol.ts';

describe('isolate batch encoding', () => {
  it('keeps only the columns the module reads; absent, null and NaN come back absent', () => {
    const inputs = { values: ['a', 'b'], features: ['f'], attrs: ['mode'] };
    const batch = encodeBatch(
      [
        {
          entity: 'e1',
          ts: 1,
          values: { a: 1.5, b: Number.POSITIVE_INFINITY, unused: 9 },
          features: { f: -2 },
          attrs: { mode: 'run' },
        },
        { entity: 'e2', ts: 2, values: { a: null, b: Number.NaN }, attrs: {} },
      ],
      inputs,
    );
    assert.equal(batch.numbers.length, 6);
    assert.deepEqual(decodeBatch(batch, inputs), [
      {
        entity: 'e1',
        ts: 1,
        values: { a: 1.5, b: Number.POSITIVE_INFINITY },
        features: { f: -2 },
        attrs: { mode: 'run' },
      },
      { entity: 'e2', ts: 2, values: {}, features: {}, attrs: {} },
    ]);
  });

  it('carries results in columns and gives back the same ModuleResults (element reasons aside)', () => {
    const info = {
      module: 'm',
      thresholds: { unsureAbove: 0.9, anomalyAbove: 0.99 },
      elements: [
        { name: 'x', kind: 'predictive' },
        { name: 'y', kind: 'elliptic_envelope' },
      ],
      inputs: { values: [], features: [], attrs: [] },
      manifestSha256: '',
    };
    const element = (name: string, kind: string, raw: number | null, calibrated: number | null) => ({
      name,
      kind,
      raw,
      calibrated,
      missingReason: null,
    });
    const results: ModuleResult[] = [
      {
        module: 'm',
        raw: 0.995,
        calibrated: 0.995,
        verdict: 'ANOMALY',
        missingReason: null,
        thresholds: info.thresholds,
        elements: [element('x', 'predictive', 3.5, 0.995), element('y', 'elliptic_envelope', 1.25, 0.5)],
        contributors: [
          { signal: 'Current', weight: 0.75 },
          { signal: 'Pressure', weight: 0.25 },
        ],
      },
      {
        module: 'm',
        raw: null,
        calibrated: null,
        verdict: 'MISSING',
        missingReason: 'NO_ELEMENT_SCORE',
        thresholds: info.thresholds,
        elements: [element('x', 'predictive', null, null), element('y', 'elliptic_envelope', null, null)],
        contributors: [],
      },
      {
        module: 'm',
        raw: 0,
        calibrated: 0,
        verdict: 'NORMAL',
        missingReason: null,
        thresholds: info.thresholds,
        elements: [element('x', 'predictive', 0, 0), element('y', 'elliptic_envelope', null, null)],
        contributors: [{ signal: 'Current', weight: 1 }],
      },
    ];
    assert.deepEqual(decodeResults(encodeResults(results, 2, verdictIndices()), info), results);
  });
});
