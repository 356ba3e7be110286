import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Alert, loadSchemas, type Score } from '@vigil/contracts';
import { scoredBatch } from './isolation/protocol.ts';
import type { ModuleResult } from './runtime/index.ts';
import {
  AvroWriter,
  latencyBytes,
  type ModuleBytes,
  scoreBytes,
  scoreHead,
  verdictIndices,
  writeScoredAlert,
} from './score-bytes.ts';
import { batchScoresOf } from './test-scores.ts';

const scoredAlert = loadSchemas().get('vigil.ScoredAlert')?.type;
const alertType = loadSchemas().get('vigil.Alert')?.type;
const verdicts = verdictIndices();

const alert: Alert = {
  id: 'ünïcode-id-1',
  source: 'test',
  entity: 'pump/1',
  ts: 1_795_394_354_960,
  ingestedAt: 1_795_394_354_961,
  values: { Current: 1.25, 'Volume Flow RateRMS': -3.5e-12 },
  attrs: { site: 'eu' },
  features: { 'Current.zscore': 2.5 },
  origin: { topic: 't', partition: 3, offset: '123456789012', format: 'AVRO' },
};

function result(overrides: Partial<ModuleResult>): ModuleResult {
  return {
    module: 'skab-predictive',
    raw: 4.75,
    calibrated: 0.9975,
    verdict: 'ANOMALY',
    missingReason: null,
    thresholds: { unsureAbove: 0.9, anomalyAbove: 0.95 },
    elements: [
      { name: 'current', kind: 'predictive', raw: 4.75, calibrated: 0.9975, missingReason: null },
      { name: 'flow', kind: 'predictive', raw: null, calibrated: null, missingReason: 'NON_FINITE_INPUT' },
    ],
    contributors: [{ signal: 'Current', weight: 1 }],
    ...overrides,
  };
}

const results: ModuleResult[] = [
  result({}),
  result({ verdict: 'NORMAL', raw: 0, calibrated: 0, contributors: [] }),
  result({
    verdict: 'MISSING',
    raw: null,
    calibrated: null,
    missingReason: 'NO_ELEMENT_SCORE',
    // As the runtime gives it: every element of the module, none scored.
    elements: [
      { name: 'current', kind: 'predictive', raw: null, calibrated: null, missingReason: 'NON_FINITE_INPUT' },
      { name: 'flow', kind: 'predictive', raw: null, calibrated: null, missingReason: 'NON_FINITE_INPUT' },
    ],
    contributors: [],
  }),
  result({ verdict: 'UNSURE', raw: -1e300, calibrated: 0.5, contributors: [{ signal: 'Température', weight: 0.25 }] }),
];

function asScore(r: ModuleResult, by: { model: string; version: string; alias: string }, latencyMs: number): Score {
  const { elements, ...rest } = r;
  return {
    ...rest,
    ...by,
    elements: elements.map(({ name, kind, raw, calibrated }) => ({ name, kind, raw, calibrated })),
    latencyMs,
  };
}

describe('Score bytes', () => {
  it('write a ScoredAlert byte for byte as avsc does, from isolate tails and whole MISSING scores', () => {
    const by = { model: 'skab-predictive-model', version: '12', alias: 'published' };
    const scored = scoredBatch(batchScoresOf(results), results[0] as ModuleResult, verdicts);
    const missing: Score = {
      module: 'skab-rules',
      model: 'rules',
      version: '',
      alias: 'challenger',
      raw: null,
      calibrated: null,
      verdict: 'MISSING',
      missingReason: 'MODULE_TIMEOUT',
      thresholds: { unsureAbove: 1, anomalyAbove: 1 },
      elements: [],
      contributors: [],
      latencyMs: 2000.5,
    };
    const modules: ModuleBytes[] = [
      { head: scoreHead({ module: 'skab-predictive', ...by }), scored, latency: latencyBytes(12.375) },
      { whole: scoreBytes(missing, verdicts) },
    ];
    const w = new AvroWriter(16);
    results.forEach((r, row) => {
      w.reset();
      writeScoredAlert(w, alertType?.toBuffer(alert) as Buffer, modules, row, 1_795_394_355_000);
      const expected = scoredAlert?.toBuffer({
        alert,
        scores: [asScore(r, by, 12.375), missing],
        scoredAt: 1_795_394_355_000,
      });
      assert.deepEqual(w.toBuffer(), expected, `row ${row}`);
    });
  });

  it('writes longs as zig-zag varints up to 2^53, computed here independently with BigInt', () => {
    for (const value of [0, 1, -1, 63, 64, -64, -65, 8191, 2 ** 31, -(2 ** 31) - 1, 1_795_394_355_000, 2 ** 53 - 1]) {
      const w = new AvroWriter(1);
      w.long(value);
      const expected: number[] = [];
      let z = value >= 0 ? BigInt(value) * 2n : -BigInt(value) * 2n - 1n;
      while (z >= 0x80n) {
        expected.push(Number(z & 0x7fn) | 0x80);
        z >>= 7n;
      }
      expected.push(Number(z));
      assert.deepEqual([...w.toBuffer()], expected, `${value}`);
    }
  });
});
