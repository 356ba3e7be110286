export {
  type CallResult,
  type CallTtls,
  callArgs,
  decodeReply,
  ENTITY_FEATURES,
  type EnrichInput,
  OUTCOME,
  type Outcome,
  type PlannedCall,
  type PlannedRecord,
  planCalls,
  type RecordResult,
  SIGNAL_FEATURES,
  signalFeatureNames,
} from './core.ts';
export { DEFAULT_SETTINGS, FeatureConfig, type FeatureConfigFile, type SourceSettings } from './feature-config.ts';
export { type EnrichmentDependencies, EnrichmentHandler, type EnrichmentSettings } from './handler.ts';
export { createEnrichmentMetrics, type EnrichmentMetrics } from './metrics.ts';
export { ReferenceEntity } from './reference.ts';
export { ENRICH_LUA, entityKeys, type FeatureStoreOptions, RedisFeatureStore } from './store.ts';
