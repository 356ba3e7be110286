export { type ModelRef, parseScoringConfig, refName, type ScoringConfig, scoringEnv } from './config.ts';
export { missingScore, type ScoredBy } from './core.ts';
export { type ScoringDependencies, ScoringHandler } from './handler.ts';
export { FAULT_KINDS, type FaultKind } from './isolation/faults.ts';
export { type IsolatedHostOptions, IsolatedModuleHost } from './isolation/host.ts';
export { ISOLATE_KINDS, type IsolateKind, spawnIsolate } from './isolation/isolate.ts';
export { createScoringMetrics, type ScoringMetrics } from './metrics.ts';
export {
  HOST_MISSING_REASONS,
  type HostMissingReason,
  type HostOutcome,
  type ModuleHost,
  type ModuleInfo,
  type ScoredBatch,
} from './module-host.ts';
export { BundleCache, downloadBundle, sha256 } from './registry/bundle-cache.ts';
export { MANIFEST_SHA_TAG, MlflowClient, type ModelVersion } from './registry/mlflow.ts';
export { type BatchLease, ModelSet, type ModelSetOptions } from './registry/model-set.ts';
export { ModelWatcher, type WatcherDependencies, type WatcherLease } from './registry/model-watcher.ts';
export { AvroWriter, scoreBytes, scoreHead, verdictIndices, writeScoredAlert, writeScoreTail } from './score-bytes.ts';
