export { type FeedbackConfig, feedbackEnv } from './config.ts';
export { requestsOf, type ScoredAlertHead, SKIPPED_ALERT_FIELDS } from './core.ts';
export { type FeedbackDependencies, FeedbackHandler } from './handler.ts';
export {
  compileFeedbackPolicies,
  DEFAULT_POLICY,
  type FeedbackPolicies,
  type FeedbackPolicyFile,
  loadFeedbackPolicies,
} from './policy.ts';
export {
  type Draws,
  decide,
  drawsFor,
  REASON_ORDER,
  requestIdOf,
  type SampledScore,
  type SamplingDecision,
  type SamplingPolicy,
  stratumRates,
} from './sampling.ts';
