/**
 * Calibration, combination and verdict (docs/bundle-format.md, "Calibration" and
 * "Combination, verdict and contributors"), the float64 expressions of vigil_science.calibration.
 */
import type { Calibration } from './schema.ts';
import type { Thresholds, Verdict } from './types.ts';

export type Calibrator = (raw: number) => number;

/** `identity`: NaN stays NaN, else the raw score clamped to [0, 1]. */
export const identity: Calibrator = (x) => Math.min(Math.max(x, 0), 1);

/**
 * ECDF over knots q_0..q_m (non-decreasing, m ≥ 1): 0 below q_0, 1 at or above q_m, else
 * (j + (x − q_j) / (q_{j+1} − q_j)) / m with j the largest i such that q_i ≤ x.
 */
export function ecdf(knots: readonly number[]): Calibrator {
  const q = Float64Array.from(knots);
  const m = q.length - 1;
  const first = q[0] as number;
  const last = q[m] as number;
  return (x) => {
    if (Number.isNaN(x)) return Number.NaN;
    if (x < first) return 0;
    if (x >= last) return 1;
    let lo = 0; // invariant: q[lo] <= x < q[hi]
    let hi = m;
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if ((q[mid] as number) <= x) lo = mid;
      else hi = mid;
    }
    const qj = q[lo] as number;
    return (lo + (x - qj) / ((q[lo + 1] as number) - qj)) / m;
  };
}

export function compileCalibration(spec: Calibration): Calibrator {
  return spec.method === 'ecdf' ? ecdf(spec.knots) : identity;
}

export type Combiner = (calibrated: Float64Array) => number;

/**
 * Combines the calibrated scores of one record's elements (NaN = missing) over the present ones:
 * `max`, or `weighted_mean` = Σ w·c / Σ w summed in element order. NaN when all are missing.
 */
export function compileCombine(method: 'max' | 'weighted_mean', weights: readonly number[]): Combiner {
  if (method === 'max') {
    return (c) => {
      let best = Number.NEGATIVE_INFINITY;
      let present = false;
      for (let e = 0; e < c.length; e++) {
        const v = c[e] as number;
        if (Number.isNaN(v)) continue;
        present = true;
        if (v > best) best = v;
      }
      return present ? best : Number.NaN;
    };
  }
  const w = Float64Array.from(weights);
  return (c) => {
    let num = 0;
    let den = 0;
    let present = false;
    for (let e = 0; e < c.length; e++) {
      const v = c[e] as number;
      if (Number.isNaN(v)) continue;
      present = true;
      num += (w[e] as number) * v;
      den += w[e] as number;
    }
    return present ? num / den : Number.NaN;
  };
}

/** Inclusive thresholds on the module's calibrated score; NaN is MISSING. */
export function verdictOf(calibrated: number, thresholds: Thresholds): Verdict {
  if (Number.isNaN(calibrated)) return 'MISSING';
  if (calibrated >= thresholds.anomalyAbove) return 'ANOMALY';
  if (calibrated >= thresholds.unsureAbove) return 'UNSURE';
  return 'NORMAL';
}
