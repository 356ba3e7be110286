/** Φ⁻¹(0.975) to double precision: the z of a two-sided 95 % interval (statsmodels' `norm.isf(0.025)`). */
export const Z_95 = 1.959963984540054;

/** A closed interval inside [0, 1]. */
export interface Interval {
  lower: number;
  upper: number;
}

/** The interval that says nothing: what a proportion of no trials gets. */
export const UNINFORMATIVE: Readonly<Interval> = Object.freeze({ lower: 0, upper: 1 });

/**
 * Wilson's score interval for `successes` of `trials` (Wilson 1927; Brown, Cai
 * and DasGupta 2001): the same formula as statsmodels'
 * `proportion_confint(method='wilson')`. `trials` may be a non-integer effective
 * sample size. No trials give [0, 1]; the bounds are kept inside [0, 1], which
 * only rounding could leave, and are exactly 0 (no successes) and 1 (all).
 */
export function wilson(successes: number, trials: number, z = Z_95): Interval {
  if (!(trials >= 0 && successes >= 0 && successes <= trials && Number.isFinite(trials))) {
    throw new RangeError(`wilson needs 0 <= successes <= trials, got ${successes} of ${trials}`);
  }
  if (trials === 0) return { ...UNINFORMATIVE };
  const p = successes / trials;
  const z2 = z * z;
  const denominator = 1 + z2 / trials;
  const center = (p + z2 / (2 * trials)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / denominator;
  // At 0 or all successes a bound is exactly 0 or 1; computed, it could round to just inside.
  return {
    lower: successes === 0 ? 0 : Math.max(0, center - half),
    upper: successes === trials ? 1 : Math.min(1, center + half),
  };
}
