export { type AppliedAlert, applyScoredAlert, type CoreSettings } from './core.ts';
export { GroupLedger } from './groups.ts';
export { type IncidentDependencies, IncidentHandler } from './handler.ts';
export { incidentIdOf, isProcessed, severityOf, topContributors } from './machine.ts';
export { createIncidentMetrics, type IncidentMetrics, type OpenIncidentSource } from './metrics.ts';
export {
  compileIncidentRules,
  DEFAULT_RULE_OPTIONS,
  type IncidentRules,
  type IncidentRulesFile,
  loadIncidentRules,
  type Rule,
  type RuleOptions,
} from './rules.ts';
export {
  type EntityState,
  emptyEntityState,
  type KeyState,
  keyId,
  type OpenIncident,
  parseEntityState,
  serializeEntityState,
} from './state.ts';
export { incidentKeys, openIndexChanges, RedisIncidentStore, type StateWrite } from './store.ts';
