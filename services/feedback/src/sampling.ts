import { hash } from 'node:crypto';
import type { SamplingReason, Score } from '@vigil/contracts';

/**
 * The sampling design of one (model, alias), for every version under that alias (the
 * policy file is keyed by model and model@alias): Poisson sampling, each
 * score drawn on its own, with a rate per stratum.
 * - UNSURE verdicts: always requested (π = 1).
 * - RANDOM: any NORMAL or ANOMALY verdict, with probability `randomRate`.
 * - BORDERLINE: a NORMAL or ANOMALY verdict whose calibrated score lies within
 *   `borderline.halfWidth` of the ANOMALY threshold, with probability `borderline.rate`.
 */
export interface SamplingPolicy {
  /** Keys the draws: the same seed gives the same sample on a replay; another seed, an independent one. */
  seed: string;
  randomRate: number;
  borderline: { rate: number; halfWidth: number };
}

/** The reasons a request can carry, in the order they are checked: the first that fires is recorded. */
export const REASON_ORDER = ['UNSURE', 'RANDOM', 'BORDERLINE'] as const satisfies readonly SamplingReason[];

/** One uniform in [0, 1) per stratum that draws, for one alert under one seed. */
export interface Draws {
  random: number;
  borderline: number;
}

const TWO_POW_53 = 2 ** 53;

/** The top 53 bits of the 8 bytes at `offset` as a uniform in [0, 1). */
function uniformAt(digest: Buffer, offset: number): number {
  return (digest.readUInt32BE(offset) * 2 ** 21 + (digest.readUInt32BE(offset + 4) >>> 11)) / TWO_POW_53;
}

/**
 * The draws of an alert: SHA-256 of `seed NUL alertId`; RANDOM reads bytes
 * 0–7, BORDERLINE bytes 8–15 (bytes 16–31 are left for later strata), each as
 * its top 53 bits / 2^53. Disjoint slices of one digest are independent
 * uniforms, so the strata are drawn independently (what the union rule for π
 * needs), and one digest serves every score of the alert whose policy has
 * this seed. The model is not in the key on purpose: models that share a seed
 * sample the same alerts (nested samples when their rates differ), so one
 * label serves every model that requested the alert and champion and
 * challenger are compared on the same objects; a policy with its own seed
 * draws independently. In Python: `(int.from_bytes(d[0:8], 'big') >> 11) / 2**53`.
 */
export function drawsFor(seed: string, alertId: string): Draws {
  const digest = hash('sha256', `${seed}\u0000${alertId}`, 'buffer');
  return { random: uniformAt(digest, 0), borderline: uniformAt(digest, 8) };
}

/** What the decision reads of a Score. */
export type SampledScore = Pick<Score, 'verdict' | 'calibrated' | 'thresholds'>;

export interface SamplingDecision {
  reason: (typeof REASON_ORDER)[number];
  /** P(this score is requested under the design): the union over the strata it is eligible for. */
  inclusionProbability: number;
}

/** The rate of each stratum this score is eligible for (0 where it is not). */
export function stratumRates(score: SampledScore, policy: SamplingPolicy): { random: number; borderline: number } {
  const { calibrated, thresholds } = score;
  const borderline =
    calibrated !== null && Math.abs(calibrated - thresholds.anomalyAbove) <= policy.borderline.halfWidth
      ? policy.borderline.rate
      : 0;
  return { random: policy.randomRate, borderline };
}

/**
 * Whether a score is requested, why and with which inclusion probability; null
 * when it is not (and always for MISSING, which has no verdict to label).
 * Reasons are checked in REASON_ORDER: UNSURE, then RANDOM, then BORDERLINE,
 * so the RANDOM requests are exactly a Bernoulli(randomRate) sample of the
 * confident verdicts. π does not depend on which reason fired: for a score
 * eligible for both draws it is 1 − (1 − r)(1 − b) = r + b − r·b.
 */
export function decide(score: SampledScore, policy: SamplingPolicy, draws: Draws): SamplingDecision | null {
  if (score.verdict === 'MISSING') return null;
  if (score.verdict === 'UNSURE') return { reason: 'UNSURE', inclusionProbability: 1 };
  const rates = stratumRates(score, policy);
  const inclusionProbability = rates.random + rates.borderline - rates.random * rates.borderline;
  if (draws.random < rates.random) return { reason: 'RANDOM', inclusionProbability };
  if (draws.borderline < rates.borderline) return { reason: 'BORDERLINE', inclusionProbability };
  return null;
}

/** The request id of (alert, model, version, alias): 32 hex digits of SHA-256, the same on every replay. */
export function requestIdOf(alertId: string, model: string, version: string, alias: string): string {
  return hash('sha256', `${alertId}\u0000${model}\u0000${version}\u0000${alias}`, 'hex').slice(0, 32);
}
