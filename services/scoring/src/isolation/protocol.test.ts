import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Score } from '@vigil/contracts';
import { loadModuleBundle, type ModuleResult, VERDICTS } from '../runtime/index.ts';
import { SELF_TEST_RECORDS, writeBundle } from '../runtime/test-bundle.ts';
import { verdictIndices } from '../score-bytes.ts';
import { batchScoresOf, scoresOf } from '../test-scores.ts';
import { decodeBatch, encodeBatch, scoredBatch } from './protocol.ts';

const by = { model: 'm-model', version: '3', alias: 'published' };

/** What the service publishes for a ModuleResult (elements without their missingReason). */
function asScore(r: ModuleResult): Score {
  const { elements, ...rest } = r;
  return {
    ...rest,
    ...by,
    elements: elements.map(({ name, kind, raw, calibrated }) => ({ name, kind, raw, calibrated })),
    latencyMs: 0,
  };
}

describe('isolate batch encoding', () => {
  it('keeps only the columns the module reads; absent, null and non-numbers arrive as NaN and null', () => {
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
    assert.deepEqual(decodeBatch(batch), {
      n: 2,
      entities: ['e1', 'e2'],
      numbers: Float64Array.from([1.5, Number.POSITIVE_INFINITY, -2, Number.NaN, Number.NaN, Number.NaN]),
      attrs: ['run', null],
    });
  });

  it('sends back the Score tails and the two columns the service reads; the tails read back as the same Scores', () => {
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
    const scored = scoredBatch(batchScoresOf(results), info, verdictIndices());
    assert.deepEqual(Object.keys(scored).sort(), ['calibrated', 'n', 'tailEnds', 'tails', 'verdicts']);
    assert.deepEqual([...scored.calibrated], [0.995, Number.NaN, 0]);
    assert.deepEqual(
      [...scored.verdicts].map((v) => VERDICTS[v]),
      results.map((r) => r.verdict),
    );
    assert.deepEqual(scoresOf(scored, info, by), results.map(asScore));
  });

  it("a module's columns give the Scores its ModuleResults give, attrs, features and history included", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vigil-protocol-'));
    try {
      await writeBundle(dir);
      const [objects, columns] = await Promise.all([loadModuleBundle(dir), loadModuleBundle(dir)]);
      const info = columns.info;
      const batch = encodeBatch(SELF_TEST_RECORDS, info.inputs);
      const scored = scoredBatch(await columns.scoreColumns(decodeBatch(batch)), info, verdictIndices());
      assert.deepEqual(scoresOf(scored, info, by), (await objects.scoreBatch(SELF_TEST_RECORDS)).map(asScore));
      await Promise.all([objects.close(), columns.close()]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
