import type { Alert, Incident, Label, Score, ScoredAlert } from '@vigil/contracts';

/** A value as staged: what COPY text format and a pg array parameter both carry. */
export type Cell = string | number | boolean | null;

/** Staging column types: the few the COPY text format and `unnest($n::type[])` handle without help. */
export type StageType = 'text' | 'int4' | 'int8' | 'float8' | 'bool';

/**
 * How a staged value becomes the column's value. Times are staged as epoch
 * milliseconds (int8) and converted exactly on the server; JSON and arrays are
 * staged as their text and cast.
 */
export type Conversion = 'timestamptz' | 'jsonb' | 'text[]';

export interface ColumnSpec<R> {
  name: string;
  stage: StageType;
  convert?: Conversion;
  value: (row: R) => Cell;
}

export interface TableSpec<R> {
  /** Target table, resolved through the connection's search_path. */
  name: string;
  /** Partitioned by UTC day of this row time (epoch ms): the writer creates the partitions. */
  partitionTime?: (row: R) => number;
  columns: readonly ColumnSpec<R>[];
}

export interface ScoreRow {
  scored: ScoredAlert;
  score: Score;
}

export interface IncidentRow {
  incident: Incident;
  /** Topic the event was read from (`incidents` or `incidents.shadow`). */
  topic: string;
}

/** SQL expression turning the staged column `name` into the target column's value. */
export function selectExpression(column: ColumnSpec<never>): string {
  switch (column.convert) {
    case 'timestamptz':
      // Integer arithmetic on an interval: exact to the millisecond, no float rounding.
      return `timestamptz 'epoch' + ${column.name} * interval '1 millisecond'`;
    case 'jsonb':
      return `${column.name}::jsonb`;
    case 'text[]':
      return `${column.name}::text[]`;
    default:
      return column.name;
  }
}

/**
 * A column's value as the target column reads it from COPY text: the staged
 * value, except times, which become ISO 8601 UTC text (exact to the ms; the
 * sink only takes the years 0001 to 9999, which toISOString prints plainly).
 */
export function finalCell<R>(column: ColumnSpec<R>, row: R): Cell {
  const value = column.value(row);
  return column.convert === 'timestamptz' && typeof value === 'number' ? new Date(value).toISOString() : value;
}

/**
 * A Postgres array literal of text elements, each quoted, so commas, braces,
 * quotes and back-slashes in ids survive.
 */
export function textArrayLiteral(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')}}`;
}

const alertColumns = (get: (row: ScoredAlert) => Alert): ColumnSpec<ScoredAlert>[] => [
  { name: 'alert_id', stage: 'text', value: (r) => get(r).id },
  { name: 'ts', stage: 'int8', convert: 'timestamptz', value: (r) => get(r).ts },
  { name: 'entity', stage: 'text', value: (r) => get(r).entity },
  { name: 'source', stage: 'text', value: (r) => get(r).source },
  { name: 'ingested_at', stage: 'int8', convert: 'timestamptz', value: (r) => get(r).ingestedAt },
  { name: 'signal_values', stage: 'text', convert: 'jsonb', value: (r) => JSON.stringify(get(r).values) },
  { name: 'attrs', stage: 'text', convert: 'jsonb', value: (r) => JSON.stringify(get(r).attrs) },
  { name: 'features', stage: 'text', convert: 'jsonb', value: (r) => JSON.stringify(get(r).features) },
  { name: 'origin_topic', stage: 'text', value: (r) => get(r).origin.topic },
  { name: 'origin_partition', stage: 'int4', value: (r) => get(r).origin.partition },
  { name: 'origin_offset', stage: 'text', value: (r) => get(r).origin.offset },
  { name: 'origin_format', stage: 'text', value: (r) => get(r).origin.format },
];

/** `alerts`: one row per scored alert, holding what would otherwise repeat on every score row. */
export const ALERTS: TableSpec<ScoredAlert> = {
  name: 'alerts',
  partitionTime: (r) => r.alert.ts,
  columns: alertColumns((r) => r.alert),
};

/** `scores`: one row per alert × module × model × version × alias. */
export const SCORES: TableSpec<ScoreRow> = {
  name: 'scores',
  partitionTime: (r) => r.scored.alert.ts,
  columns: [
    { name: 'alert_id', stage: 'text', value: (r) => r.scored.alert.id },
    { name: 'ts', stage: 'int8', convert: 'timestamptz', value: (r) => r.scored.alert.ts },
    { name: 'entity', stage: 'text', value: (r) => r.scored.alert.entity },
    { name: 'source', stage: 'text', value: (r) => r.scored.alert.source },
    { name: 'ingested_at', stage: 'int8', convert: 'timestamptz', value: (r) => r.scored.alert.ingestedAt },
    { name: 'scored_at', stage: 'int8', convert: 'timestamptz', value: (r) => r.scored.scoredAt },
    { name: 'module', stage: 'text', value: (r) => r.score.module },
    { name: 'model', stage: 'text', value: (r) => r.score.model },
    { name: 'version', stage: 'text', value: (r) => r.score.version },
    { name: 'alias', stage: 'text', value: (r) => r.score.alias },
    { name: 'raw', stage: 'float8', value: (r) => r.score.raw },
    { name: 'calibrated', stage: 'float8', value: (r) => r.score.calibrated },
    { name: 'verdict', stage: 'text', value: (r) => r.score.verdict },
    { name: 'missing_reason', stage: 'text', value: (r) => r.score.missingReason },
    { name: 'unsure_above', stage: 'float8', value: (r) => r.score.thresholds.unsureAbove },
    { name: 'anomaly_above', stage: 'float8', value: (r) => r.score.thresholds.anomalyAbove },
    { name: 'elements', stage: 'text', convert: 'jsonb', value: (r) => JSON.stringify(r.score.elements) },
    { name: 'contributors', stage: 'text', convert: 'jsonb', value: (r) => JSON.stringify(r.score.contributors) },
    { name: 'latency_ms', stage: 'float8', value: (r) => r.score.latencyMs },
  ],
};

/** `incident_events`: every incident transition. */
export const INCIDENT_EVENTS: TableSpec<IncidentRow> = {
  name: 'incident_events',
  columns: [
    { name: 'incident_id', stage: 'text', value: (r) => r.incident.incidentId },
    { name: 'sequence', stage: 'int4', value: (r) => r.incident.sequence },
    { name: 'group_id', stage: 'text', value: (r) => r.incident.groupId },
    { name: 'status', stage: 'text', value: (r) => r.incident.status },
    { name: 'reminder', stage: 'bool', value: (r) => r.incident.reminder },
    { name: 'entity', stage: 'text', value: (r) => r.incident.entity },
    { name: 'source', stage: 'text', value: (r) => r.incident.source },
    { name: 'module', stage: 'text', value: (r) => r.incident.module },
    { name: 'model', stage: 'text', value: (r) => r.incident.model },
    { name: 'version', stage: 'text', value: (r) => r.incident.version },
    { name: 'alias', stage: 'text', value: (r) => r.incident.alias },
    { name: 'actionable', stage: 'bool', value: (r) => r.incident.actionable },
    { name: 'severity', stage: 'text', value: (r) => r.incident.severity },
    { name: 'peak_score', stage: 'float8', value: (r) => r.incident.peakScore },
    { name: 'opened_at', stage: 'int8', convert: 'timestamptz', value: (r) => r.incident.openedAt },
    { name: 'last_anomaly_at', stage: 'int8', convert: 'timestamptz', value: (r) => r.incident.lastAnomalyAt },
    { name: 'closed_at', stage: 'int8', convert: 'timestamptz', value: (r) => r.incident.closedAt },
    { name: 'processed_at', stage: 'int8', convert: 'timestamptz', value: (r) => r.incident.processedAt },
    { name: 'alert_ids', stage: 'text', convert: 'text[]', value: (r) => textArrayLiteral(r.incident.alertIds) },
    { name: 'contributors', stage: 'text', convert: 'jsonb', value: (r) => JSON.stringify(r.incident.contributors) },
    { name: 'topic', stage: 'text', value: (r) => r.topic },
  ],
};

/** `labels`: every human label. */
export const LABELS: TableSpec<Label> = {
  name: 'labels',
  columns: [
    { name: 'alert_id', stage: 'text', value: (r) => r.alertId },
    { name: 'request_id', stage: 'text', value: (r) => r.requestId },
    { name: 'label', stage: 'text', value: (r) => r.label },
    { name: 'labeller', stage: 'text', value: (r) => r.labeller },
    { name: 'labelled_at', stage: 'int8', convert: 'timestamptz', value: (r) => r.labelledAt },
    { name: 'comment', stage: 'text', value: (r) => r.comment },
  ],
};

/** What one Kafka batch puts in the store, by kind. */
export interface SinkBatch {
  scoredAlerts: ScoredAlert[];
  incidents: IncidentRow[];
  labels: Label[];
}

export function emptyBatch(): SinkBatch {
  return { scoredAlerts: [], incidents: [], labels: [] };
}

/** The table writes of a batch, in the order the writer runs them. */
export function tableWrites(batch: SinkBatch): TableWrite[] {
  return [
    tableWrite(ALERTS, batch.scoredAlerts),
    tableWrite(
      SCORES,
      batch.scoredAlerts.flatMap((scored) => scored.scores.map((score) => ({ scored, score }))),
    ),
    tableWrite(INCIDENT_EVENTS, batch.incidents),
    tableWrite(LABELS, batch.labels),
  ];
}

function tableWrite<R>(table: TableSpec<R>, rows: readonly R[]): TableWrite {
  // Safe: the rows are exactly the type the table's column getters read.
  return { table: table as unknown as TableSpec<unknown>, rows };
}

/** A table and its rows, with the row type erased so writes of several tables fit one list. */
export interface TableWrite {
  table: TableSpec<unknown>;
  rows: readonly unknown[];
}

export const TABLE_NAMES = ['alerts', 'scores', 'incident_events', 'labels'] as const;
export type TableName = (typeof TABLE_NAMES)[number];
