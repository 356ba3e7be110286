import { Counter, Histogram, type Registry } from 'prom-client';

/** Bounds of the inclusion-probability histogram: rates are set in steps like these. */
const PI_BUCKETS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 0.99, 1];

/**
 * The feedback service's own series; records in/out/dead-lettered come from
 * the consume loop's metrics. The realised request rate of a model is
 * requests / scores; Σ 1/π of its requests (`vigil_feedback_request_weight_total`)
 * estimates how many requestable scores (not MISSING, first delivery) they stand
 * for. scores counts MISSING verdicts and re-delivered records too, so weight /
 * scores sits near 1 − the MISSING share, and drops after a replay.
 */
export function createFeedbackMetrics(registry: Registry) {
  return {
    scores: new Counter({
      name: 'vigil_feedback_scores_total',
      help: 'Scores decided on (every verdict, MISSING included), by model and alias',
      labelNames: ['model', 'alias'] as const,
      registers: [registry],
    }),
    requests: new Counter({
      name: 'vigil_feedback_requests_total',
      help: 'Feedback requests produced, by sampling reason, model and alias',
      labelNames: ['reason', 'model', 'alias'] as const,
      registers: [registry],
    }),
    weight: new Counter({
      name: 'vigil_feedback_request_weight_total',
      help: 'Sum of 1/π over the requests produced, by model and alias: the scores the requests stand for',
      labelNames: ['model', 'alias'] as const,
      registers: [registry],
    }),
    inclusionProbability: new Histogram({
      name: 'vigil_feedback_inclusion_probability',
      help: 'Inclusion probability π of the requests produced, by sampling reason',
      labelNames: ['reason'] as const,
      buckets: PI_BUCKETS,
      registers: [registry],
    }),
    duplicates: new Counter({
      name: 'vigil_feedback_duplicate_requests_total',
      help: 'Requests not produced again because their request id was marked already (replays, re-deliveries)',
      registers: [registry],
    }),
  };
}

export type FeedbackMetrics = ReturnType<typeof createFeedbackMetrics>;
