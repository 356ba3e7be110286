import type { Alert, FeedbackRequest, ScoredAlert } from '@vigil/contracts';
import type { FeedbackPolicies } from './policy.ts';
import { type Draws, decide, drawsFor, requestIdOf } from './sampling.ts';

/** What the service reads of a scored alert: the alert's id, source, entity and ts, and its scores. */
export type ScoredAlertHead = Omit<ScoredAlert, 'alert'> & {
  alert: Omit<Alert, 'values' | 'attrs' | 'features' | 'origin' | 'ingestedAt'>;
};

/** The fields left out of ScoredAlertHead, as projection paths: skipped while decoding, never built. */
export const SKIPPED_ALERT_FIELDS = [
  'alert.values',
  'alert.attrs',
  'alert.features',
  'alert.origin',
  'alert.ingestedAt',
] as const;

/**
 * The feedback requests of one scored alert, in score order: the pure core of
 * the service (no I/O, no clock but `requestedAt`). Each Score is decided under
 * the policy of its (model, alias); the draws are computed once per seed.
 */
export function requestsOf(
  scored: ScoredAlertHead,
  policies: FeedbackPolicies,
  requestedAt: number,
): FeedbackRequest[] {
  const { id, entity, source, ts } = scored.alert;
  const draws = new Map<string, Draws>();
  const requests: FeedbackRequest[] = [];
  for (const score of scored.scores) {
    const policy = policies.policyFor(score.model, score.alias);
    let drawn = draws.get(policy.seed);
    if (drawn === undefined) {
      drawn = drawsFor(policy.seed, id);
      draws.set(policy.seed, drawn);
    }
    const decision = decide(score, policy, drawn);
    if (decision === null || score.verdict === 'MISSING') continue;
    requests.push({
      requestId: requestIdOf(id, score.model, score.version, score.alias),
      alertId: id,
      entity,
      source,
      ts,
      module: score.module,
      model: score.model,
      version: score.version,
      alias: score.alias,
      verdict: score.verdict,
      calibrated: score.calibrated,
      reason: decision.reason,
      inclusionProbability: decision.inclusionProbability,
      requestedAt,
    });
  }
  return requests;
}
