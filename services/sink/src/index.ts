export { type CliOutput, runStoreCommand } from './cli.ts';
export { parseStoreArgs, type StoreCommand, USAGE } from './cli-args.ts';
export { databaseEnv, type SinkConfig, sinkEnv } from './config.ts';
export { copyTextRow } from './copy-text.ts';
export {
  checkIncident,
  checkLabel,
  checkScoredAlert,
  parseLabelJson,
  SINK_ROLES,
  type SinkRole,
  topicRoles,
} from './core.ts';
export { type SinkDependencies, SinkHandler } from './handler.ts';
export { createSinkMetrics, type SinkMetrics } from './metrics.ts';
export { MIGRATIONS_DIR, sinkMigrations } from './migrations.ts';
export {
  type HistoryView,
  type IncidentFilter,
  type IncidentScores,
  type IncidentView,
  type ScoreView,
  StoreQueries,
  type SummaryView,
} from './queries.ts';
export {
  ALERTS,
  type Cell,
  finalCell,
  INCIDENT_EVENTS,
  LABELS,
  SCORES,
  type SinkBatch,
  TABLE_NAMES,
  type TableName,
  type TableSpec,
} from './tables.ts';
export {
  copyIn,
  StoreWriter,
  type StoreWriterOptions,
  utcDay,
  WRITE_METHODS,
  type WriteMethod,
  type WriteResult,
} from './writer.ts';
