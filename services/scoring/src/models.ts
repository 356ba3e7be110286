import type { Logger } from '@vigil/logging';
import { refName, type ScoringConfig } from './config.ts';
import { IsolatedModuleHost } from './isolation/host.ts';
import type { ScoringMetrics } from './metrics.ts';
import { BundleCache } from './registry/bundle-cache.ts';
import { MlflowClient } from './registry/mlflow.ts';
import { ModelSet } from './registry/model-set.ts';

/**
 * The configured model@alias set as the settings describe it: MLflow and the
 * bundle cache as sources, each version run in an isolate (thread or process)
 * with the module timeouts, heap limit and restart backoff, and the test-only
 * fault when fault injection is on.
 */
export function modelSetFromConfig(
  config: ScoringConfig,
  context: { metrics: ScoringMetrics; logger: Logger },
): ModelSet {
  const { metrics, logger } = context;
  return new ModelSet(
    config.SCORING_MODELS,
    {
      client: new MlflowClient(config.MLFLOW_TRACKING_URI, { timeoutMs: config.SCORING_REGISTRY_TIMEOUT }),
      cache: new BundleCache(config.SCORING_CACHE_DIR),
      metrics,
      logger,
      createHost: (ref, version, dir) =>
        new IsolatedModuleHost({
          ...ref,
          version,
          dir,
          isolation: config.SCORING_ISOLATION,
          timeoutMs: config.SCORING_MODULE_TIMEOUT,
          loadTimeoutMs: config.SCORING_MODULE_LOAD_TIMEOUT,
          maxHeapMb: config.SCORING_MODULE_MAX_HEAP_MB,
          restartBackoffMaxMs: config.SCORING_RESTART_BACKOFF_MAX,
          fault: config.VIGIL_FAULT_INJECTION ? (config.SCORING_FAULTS.get(refName(ref)) ?? null) : null,
          logger,
          onRestart: (reason) => metrics.restarts.inc({ model: ref.model, alias: ref.alias, reason }),
        }),
    },
    { pollIntervalMs: config.SCORING_POLL_INTERVAL, startupWaitMs: config.SCORING_STARTUP_WAIT },
  );
}
