import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Buckets dense near 1, where the thresholds of calibrated scores sit. */
const CALIBRATED_BUCKETS = [0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 1];
const MODULE_SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** Scoring's own series; records in/out/dead-lettered come from the consume loop's metrics. */
export function createScoringMetrics(registry: Registry) {
  const registers = [registry];
  return {
    modelInfo: new Gauge({
      name: 'vigil_scoring_model_info',
      help: 'Model versions in use: 1 per model, alias and version serving now',
      labelNames: ['model', 'alias', 'version'] as const,
      registers,
    }),
    calibrated: new Histogram({
      name: 'vigil_scoring_score_calibrated',
      help: 'Calibrated scores (0..1) of the scores that are not MISSING',
      labelNames: ['model', 'alias'] as const,
      buckets: CALIBRATED_BUCKETS,
      registers,
    }),
    verdicts: new Counter({
      name: 'vigil_scoring_verdicts_total',
      help: 'Scores by verdict (NORMAL, UNSURE, ANOMALY, MISSING)',
      labelNames: ['model', 'alias', 'verdict'] as const,
      registers,
    }),
    moduleSeconds: new Histogram({
      name: 'vigil_scoring_module_seconds',
      help: 'Wall time of one module on one batch, isolate round trip included',
      labelNames: ['model', 'alias'] as const,
      buckets: MODULE_SECONDS_BUCKETS,
      registers,
    }),
    failures: new Counter({
      name: 'vigil_scoring_module_failures_total',
      help: 'Batches a module did not score, by reason (MODULE_ERROR, MODULE_TIMEOUT, MODULE_CRASHED, ...)',
      labelNames: ['model', 'alias', 'reason'] as const,
      registers,
    }),
    restarts: new Counter({
      name: 'vigil_scoring_module_restarts_total',
      help: 'Module isolates replaced after a failure, by the failure',
      labelNames: ['model', 'alias', 'reason'] as const,
      registers,
    }),
    refused: new Counter({
      name: 'vigil_scoring_model_refused_total',
      help: 'Model versions refused (download, hash, self test, test inference...), by error code',
      labelNames: ['model', 'alias', 'reason'] as const,
      registers,
    }),
    swaps: new Counter({
      name: 'vigil_scoring_model_swaps_total',
      help: 'Times a new version replaced the serving one without a restart',
      labelNames: ['model', 'alias'] as const,
      registers,
    }),
    registryStale: new Gauge({
      name: 'vigil_scoring_registry_stale',
      help: '1 while MLflow cannot be reached and the service scores with what it has loaded or cached',
      registers,
    }),
  };
}

export type ScoringMetrics = ReturnType<typeof createScoringMetrics>;
