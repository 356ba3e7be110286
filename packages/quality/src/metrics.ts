import { hajekRatio, type RatioEstimate, type RatioTerm } from './ratio.ts';
import { Z_95 } from './wilson.ts';

/** A verdict as the model gave it (MISSING scores are never sampled, so never labelled). */
export type LabelledVerdict = 'NORMAL' | 'ANOMALY' | 'UNSURE';

/**
 * A sampled, labelled object: the model's verdict, the human label (ANOMALY
 * is `anomalous`; "don't know" labels are left out before this point) and the
 * inclusion probability its feedback request carried.
 */
export interface LabelledObject {
  verdict: LabelledVerdict;
  anomalous: boolean;
  inclusionProbability: number;
}

export const QUALITY_METRICS = [
  'precision',
  'recall',
  'falsePositiveRate',
  'f1',
  'confidentAccuracy',
  'unsureRate',
] as const;
export type QualityMetric = (typeof QUALITY_METRICS)[number];

type Indicators = { y: number; p: number; c: number; u: number };

/**
 * Each metric as a ratio of population totals Σa / Σb of per-object
 * indicators: y = labelled ANOMALY, p = verdict ANOMALY, c = a confident
 * verdict (not UNSURE), u = verdict UNSURE. An UNSURE verdict is not a
 * detection, so it counts against recall (a missed anomaly) and not in the
 * false-positive rate's numerator.
 */
const RATIOS: Readonly<Record<QualityMetric, (i: Indicators) => [a: number, b: number]>> = {
  precision: ({ y, p }) => [y * p, p],
  recall: ({ y, p }) => [y * p, y],
  falsePositiveRate: ({ y, p }) => [(1 - y) * p, 1 - y],
  f1: ({ y, p }) => [2 * y * p, y + p],
  confidentAccuracy: ({ y, p, c }) => [c * (y === p ? 1 : 0), c],
  unsureRate: ({ u }) => [u, 1],
};

/**
 * Precision, recall, false-positive rate, F1, accuracy of confident verdicts
 * and UNSURE rate of one window, each a Hájek ratio estimate weighted by 1/π
 * with its linearised 95 % interval (`hajekRatio`). An empty window, or one
 * without the class a metric divides by, gives that metric no estimate and
 * the interval [0, 1]: never NaN.
 */
export function qualityMetrics(
  objects: readonly LabelledObject[],
  z = Z_95,
): Readonly<Record<QualityMetric, RatioEstimate>> {
  const indicators: (Indicators & { pi: number })[] = objects.map((o) => ({
    y: o.anomalous ? 1 : 0,
    p: o.verdict === 'ANOMALY' ? 1 : 0,
    c: o.verdict === 'UNSURE' ? 0 : 1,
    u: o.verdict === 'UNSURE' ? 1 : 0,
    pi: o.inclusionProbability,
  }));
  const result = {} as Record<QualityMetric, RatioEstimate>;
  for (const metric of QUALITY_METRICS) {
    const terms: RatioTerm[] = indicators.map((i) => {
      const [a, b] = RATIOS[metric](i);
      return { a, b, pi: i.pi };
    });
    result[metric] = hajekRatio(terms, z);
  }
  return Object.freeze(result);
}
