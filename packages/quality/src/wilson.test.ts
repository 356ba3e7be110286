import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { wilson, Z_95 } from './wilson.ts';

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

describe('wilson', () => {
  it('0 of 30 gives [0, 0.1135]', () => {
    const { lower, upper } = wilson(0, 30);
    assert.deepEqual([round4(lower), round4(upper)], [0, 0.1135]);
  });

  it('is symmetric: k of n mirrors n − k of n', () => {
    for (const [k, n] of [
      [3, 17],
      [0, 5],
      [12, 40],
    ] as const) {
      const a = wilson(k, n);
      const b = wilson(n - k, n);
      assert.ok(Math.abs(a.lower - (1 - b.upper)) < 1e-12 && Math.abs(a.upper - (1 - b.lower)) < 1e-12);
    }
  });

  it('matches the closed form at 15 of 20 (Brown, Cai and DasGupta 2001, eq. 4)', () => {
    const { lower, upper } = wilson(15, 20);
    const z2 = Z_95 * Z_95;
    const center = (15 + z2 / 2) / (20 + z2);
    const half = ((Z_95 * Math.sqrt(20)) / (20 + z2)) * Math.sqrt(0.75 * 0.25 + z2 / 80);
    assert.ok(Math.abs(lower - (center - half)) < 1e-12);
    assert.ok(Math.abs(upper - (center + half)) < 1e-12);
  });

  it('no trials say nothing: [0, 1]; bad counts are refused', () => {
    assert.deepEqual(wilson(0, 0), { lower: 0, upper: 1 });
    assert.throws(() => wilson(3, 2), RangeError);
    assert.throws(() => wilson(-1, 2), RangeError);
    assert.throws(() => wilson(Number.NaN, 2), RangeError);
  });
});
