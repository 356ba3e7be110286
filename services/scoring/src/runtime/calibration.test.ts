import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileCombine, ecdf, identity, verdictOf } from './calibration.ts';

describe('ecdf', () => {
  const f = ecdf([1, 2, 2, 2, 4]); // m = 4, a run of equal knots

  it('is 0 below the first knot and 1 at or above the last', () => {
    assert.equal(f(0.999), 0);
    assert.equal(f(Number.NEGATIVE_INFINITY), 0);
    assert.equal(f(4), 1);
    assert.equal(f(1e300), 1);
    assert.equal(f(Number.POSITIVE_INFINITY), 1);
  });

  it('interpolates between knots, the largest knot at or below x deciding', () => {
    assert.equal(f(1), 0); // j = 0
    assert.equal(f(1.5), 0.125); // (0 + 0.5) / 4
    assert.equal(f(2), 0.75); // j = 3 (last of the equal knots): (3 + 0) / 4
    assert.equal(f(3), 0.875); // (3 + 0.5) / 4
  });

  it('keeps NaN', () => {
    assert.ok(Number.isNaN(f(Number.NaN)));
  });

  it('evaluates the documented float64 expression exactly', () => {
    const knots = [0.1, 0.30000000000000004, 0.7, 1.9];
    const g = ecdf(knots);
    const x = 0.5;
    assert.equal(g(x), (1 + (x - 0.30000000000000004) / (0.7 - 0.30000000000000004)) / 3);
  });

  it('works with two knots', () => {
    const g = ecdf([0, 10]);
    assert.equal(g(2.5), 0.25);
    assert.equal(g(10), 1);
  });

  it('is monotone over a dense sweep', () => {
    const g = ecdf([0, 0, 0.5, 0.5, 0.5, 1, 3]);
    let last = -1;
    for (let x = -1; x <= 4; x += 0.01) {
      const c = g(x);
      assert.ok(c >= last && c >= 0 && c <= 1, `at ${x}`);
      last = c;
    }
  });
});

describe('identity', () => {
  it('clamps to [0, 1] and keeps NaN', () => {
    assert.deepEqual([-2, 0.25, 7].map(identity), [0, 0.25, 1]);
    assert.ok(Number.isNaN(identity(Number.NaN)));
  });
});

describe('combine', () => {
  it('max over the present elements, NaN when none is', () => {
    const max = compileCombine('max', [1, 1, 1]);
    assert.equal(max(Float64Array.from([0.2, Number.NaN, 0.7])), 0.7);
    assert.ok(Number.isNaN(max(Float64Array.from([Number.NaN, Number.NaN, Number.NaN]))));
  });

  it('weighted_mean over the present elements, summed in element order', () => {
    const mean = compileCombine('weighted_mean', [1, 3]);
    assert.equal(mean(Float64Array.from([0.2, 0.6])), (1 * 0.2 + 3 * 0.6) / 4);
    assert.equal(mean(Float64Array.from([Number.NaN, 0.6])), 0.6);
    assert.ok(Number.isNaN(mean(Float64Array.from([Number.NaN, Number.NaN]))));
  });
});

describe('verdictOf', () => {
  const t = { unsureAbove: 0.9, anomalyAbove: 0.99 };
  it('uses inclusive thresholds', () => {
    assert.equal(verdictOf(0.8999, t), 'NORMAL');
    assert.equal(verdictOf(0.9, t), 'UNSURE');
    assert.equal(verdictOf(0.99, t), 'ANOMALY');
    assert.equal(verdictOf(1, t), 'ANOMALY');
    assert.equal(verdictOf(Number.NaN, t), 'MISSING');
  });
});
