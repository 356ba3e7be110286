import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type LabelledObject, QUALITY_METRICS, qualityMetrics } from './metrics.ts';
import { hajekRatio } from './ratio.ts';
import { wilson, Z_95 } from './wilson.ts';

const close = (actual: number | null, expected: number, what: string) =>
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-12, `${what}: ${actual} != ${expected}`);

const object = (verdict: LabelledObject['verdict'], anomalous: boolean, pi: number): LabelledObject => ({
  verdict,
  anomalous,
  inclusionProbability: pi,
});

describe('qualityMetrics', () => {
  // Worked by hand in docs/quality-metrics.md ("A worked example").
  const sample = [
    object('ANOMALY', true, 0.5),
    object('ANOMALY', false, 0.25),
    object('NORMAL', false, 0.1),
    object('UNSURE', true, 1),
  ];

  it('weights each label by 1/π; the interval is Wilson’s at the size the linearised variance implies', () => {
    const m = qualityMetrics(sample);
    close(m.precision.estimate, 1 / 3, 'precision');
    close(m.precision.standardError, Math.sqrt(20 / 9) / 6, 'precision se');
    // Wilson's interval at the effective size p(1 − p) / se² = (2/9) / (20/324) = 3.6.
    const interval = wilson((1 / 3) * 3.6, 3.6);
    close(m.precision.lower, interval.lower, 'precision lower');
    close(m.precision.upper, interval.upper, 'precision upper');
    close(m.recall.estimate, 2 / 3, 'recall');
    close(m.recall.standardError, Math.sqrt(2 / 9) / 3, 'recall se: the UNSURE unit (π = 1) adds no variance');
    close(m.falsePositiveRate.estimate, 4 / 14, 'false-positive rate');
    close(m.f1.estimate, (2 * 2) / (3 + 6), 'F1 = 2TP / (2TP + FP + FN)');
    close(m.confidentAccuracy.estimate, (2 + 10) / 16, 'accuracy of confident verdicts');
    close(m.unsureRate.estimate, 1 / 17, 'UNSURE rate');
    assert.equal(m.precision.n, 2);
    assert.equal(m.recall.n, 2);
  });

  it('a census (every π = 1) gives the exact value with a zero-width interval', () => {
    const m = qualityMetrics(sample.map((o) => ({ ...o, inclusionProbability: 1 })));
    assert.deepEqual(
      { estimate: m.precision.estimate, lower: m.precision.lower, upper: m.precision.upper },
      { estimate: 0.5, lower: 0.5, upper: 0.5 },
    );
  });

  it('an empty window gives every metric the interval [0, 1] and no estimate, never NaN', () => {
    const m = qualityMetrics([]);
    for (const metric of QUALITY_METRICS) {
      assert.deepEqual(m[metric], { estimate: null, standardError: null, n: 0, lower: 0, upper: 1 }, metric);
    }
  });

  it('a one-class window: no anomaly labelled leaves recall open, and a sampled 0 is not certain', () => {
    const m = qualityMetrics([
      object('ANOMALY', false, 0.2),
      object('NORMAL', false, 0.2),
      object('NORMAL', false, 0.5),
    ]);
    assert.deepEqual([m.recall.estimate, m.recall.lower, m.recall.upper], [null, 0, 1]);
    assert.equal(m.precision.estimate, 0);
    assert.equal(m.precision.standardError, 0);
    // One sampled unit (Kish size 1) that was a false alarm: Wilson's 0 of 1.
    assert.deepEqual({ lower: m.precision.lower, upper: m.precision.upper }, wilson(0, 1));
    for (const metric of QUALITY_METRICS) {
      for (const value of [m[metric].lower, m[metric].upper]) assert.ok(!Number.isNaN(value), metric);
    }
  });

  it('refuses an inclusion probability outside (0, 1]', () => {
    assert.throws(() => qualityMetrics([object('NORMAL', false, 0)]), RangeError);
    assert.throws(() => hajekRatio([{ a: 1, b: 1, pi: 1.5 }]), RangeError);
  });
});

describe('hajekRatio', () => {
  it('is close to Wald’s R̂ ± z·se on a large sample', () => {
    const terms = Array.from({ length: 4_000 }, (_, i) => ({
      a: i % 3 === 0 ? 1 : 0,
      b: 1,
      pi: i % 2 === 0 ? 0.1 : 0.4,
    }));
    const estimate = hajekRatio(terms);
    const se = estimate.standardError as number;
    const ratio = estimate.estimate as number;
    assert.ok(
      Math.abs(estimate.lower - (ratio - Z_95 * se)) < 2e-4 && Math.abs(estimate.upper - (ratio + Z_95 * se)) < 2e-4,
    );
  });

  it('uses the Kish effective size (Σw)² / Σw² for a degenerate sample', () => {
    const terms = [
      { a: 1, b: 1, pi: 0.5 },
      { a: 1, b: 1, pi: 0.25 },
    ];
    const estimate = hajekRatio(terms);
    const effective = (2 + 4) ** 2 / (4 + 16);
    assert.equal(estimate.estimate, 1);
    assert.deepEqual({ lower: estimate.lower, upper: estimate.upper }, wilson(effective, effective));
  });
});
