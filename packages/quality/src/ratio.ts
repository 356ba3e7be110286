import { type Interval, UNINFORMATIVE, wilson, Z_95 } from './wilson.ts';

/** One sampled unit's contribution to a ratio of totals Σa / Σb (0 <= a <= b: a proportion), with its inclusion probability. */
export interface RatioTerm {
  a: number;
  b: number;
  /** Inclusion probability π in (0, 1]. */
  pi: number;
}

export interface RatioEstimate extends Interval {
  /** The Hájek estimate Σ(a/π) / Σ(b/π); null when no sampled unit is in the denominator's domain. */
  estimate: number | null;
  /** Linearised standard error; null without an estimate. */
  standardError: number | null;
  /** Sampled units in the domain (b > 0). */
  n: number;
}

/**
 * The Hájek ratio estimator of R = Σa / Σb over the population from a Poisson
 * sample (each unit drawn independently with probability π), with a 95 % (or
 * `z`) interval from the linearised variance
 *
 *   V̂(R̂) = Σ_s (1 − π_i) / π_i² · (a_i − R̂ b_i)² / B̂²,   B̂ = Σ_s b_i / π_i
 *
 * (Särndal, Swensson and Wretman 1992, ch. 3 and 5).
 * The interval is Wilson's at the effective sample size that variance implies,
 * n* = R̂(1 − R̂) / V̂ (Kish's design effect; Korn and Graubard 1998): at large
 * samples R̂ ± z·√V̂, but it stays inside [0, 1] and covers better near 0 and 1
 * than the Wald form. Formulas and limits: docs/quality-metrics.md.
 * Edge cases, never NaN:
 * - no unit in the domain: no estimate, interval [0, 1];
 * - a zero variance although some unit had π < 1 (R̂ is then 0 or 1: every
 *   sampled unit agrees): a sample never proves that, so the interval is
 *   Wilson's at the domain's Kish effective size (Σw)² / Σw²;
 * - every unit with π = 1 (a census of the domain): the exact value, R̂ to R̂.
 */
export function hajekRatio(terms: readonly RatioTerm[], z = Z_95): RatioEstimate {
  let numerator = 0;
  let denominator = 0;
  let n = 0;
  let weightSum = 0;
  let weightSquares = 0;
  let sampled = false;
  for (const { a, b, pi } of terms) {
    if (!(pi > 0 && pi <= 1)) throw new RangeError(`an inclusion probability must be in (0, 1], got ${pi}`);
    if (b === 0) continue;
    const w = 1 / pi;
    numerator += a * w;
    denominator += b * w;
    n++;
    weightSum += w;
    weightSquares += w * w;
    if (pi < 1) sampled = true;
  }
  if (n === 0 || denominator === 0) return { estimate: null, standardError: null, n, ...UNINFORMATIVE };
  const ratio = numerator / denominator;
  let sum = 0;
  for (const { a, b, pi } of terms) {
    if (b === 0 || pi === 1) continue;
    const residual = a - ratio * b;
    sum += ((1 - pi) / (pi * pi)) * residual * residual;
  }
  const standardError = Math.sqrt(sum) / denominator;
  if (standardError > 0) {
    // Wilson's interval at the effective sample size the linearised variance implies: the Wald
    // interval R̂ ± z·se at large samples, and closer to its coverage near 0 and 1 than Wald's.
    const clipped = Math.min(Math.max(ratio, 0), 1);
    const effective = (clipped * (1 - clipped)) / (standardError * standardError);
    return { estimate: ratio, standardError, n, ...wilson(clipped * effective, effective, z) };
  }
  if (!sampled) return { estimate: ratio, standardError, n, lower: ratio, upper: ratio };
  const effective = (weightSum * weightSum) / weightSquares;
  return { estimate: ratio, standardError, n, ...wilson(Math.min(ratio, 1) * effective, effective, z) };
}
