import type { Incident, IncidentStatus, Label, Score } from '@vigil/contracts';
import { VigilError } from '@vigil/errors';
import { databaseUnavailable } from '@vigil/postgres';
import type pg from 'pg';

/** An incident's current state: its latest event, with times as Dates. */
export type IncidentView = Pick<
  Incident,
  | 'incidentId'
  | 'groupId'
  | 'entity'
  | 'source'
  | 'module'
  | 'model'
  | 'version'
  | 'alias'
  | 'actionable'
  | 'severity'
  | 'peakScore'
> & {
  /** OPEN until a CLOSED event arrives. */
  state: 'OPEN' | 'CLOSED';
  lastEvent: IncidentStatus;
  /** Events stored for the incident. */
  events: number;
  openedAt: Date;
  lastAnomalyAt: Date;
  closedAt: Date | null;
  /** Alerts the latest event covers. */
  alerts: number;
};

export interface IncidentFilter {
  state?: 'OPEN' | 'CLOSED';
  /** Incidents active (last anomaly or closing, by event time) at or after this time. */
  since?: Date;
  alias?: string;
  entity?: string;
  limit: number;
}

/** One stored score, with its alert's id and event time. */
export type ScoreView = Pick<
  Score,
  'module' | 'model' | 'version' | 'alias' | 'raw' | 'calibrated' | 'verdict' | 'missingReason'
> & { ts: Date; alertId: string; entity: string };

export interface IncidentScores {
  incident: IncidentView;
  scores: ScoreView[];
  /** Covered alert ids with no stored score of the incident's model (all models with `allModels`). */
  missingAlertIds: string[];
}

/** An alert of an entity's history with one of its scores (score fields null for an alert without scores). */
export type HistoryView = Omit<ScoreView, 'entity'> & {
  values: Record<string, number>;
  /** The alert's latest human label, if any. */
  label: Label['label'] | null;
};

export type SummaryView = Pick<Score, 'model' | 'version' | 'alias' | 'verdict'> & {
  count: number;
  firstTs: Date;
  lastTs: Date;
};

const INCIDENT_COLUMNS = `
  l.incident_id AS "incidentId", l.group_id AS "groupId",
  CASE WHEN l.status = 'CLOSED' THEN 'CLOSED' ELSE 'OPEN' END AS state,
  l.status AS "lastEvent",
  (SELECT count(*)::int FROM incident_events c WHERE c.incident_id = l.incident_id) AS events,
  l.entity, l.source, l.module, l.model, l.version, l.alias, l.actionable, l.severity,
  l.peak_score AS "peakScore", l.opened_at AS "openedAt", l.last_anomaly_at AS "lastAnomalyAt",
  l.closed_at AS "closedAt", cardinality(l.alert_ids) AS alerts`;

const SCORE_COLUMNS = `
  s.module, s.model, s.version, s.alias, s.raw, s.calibrated, s.verdict, s.missing_reason AS "missingReason"`;

/**
 * The operators' read side of the store. Every time filter is on event time
 * (the `ts` of the alerts), so a replay of last month is read as last month.
 * Queries name tables unqualified: the pool's search_path picks the schema.
 */
export class StoreQueries {
  constructor(private readonly pool: pg.Pool) {}

  /** Incidents by current state, newest activity first. */
  async incidents(filter: IncidentFilter): Promise<IncidentView[]> {
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    // Pick the incidents first (an event inside the window), then their latest event.
    const window = filter.since
      ? `WHERE incident_id IN (SELECT incident_id FROM incident_events WHERE active_at >= ${param(filter.since)})`
      : '';
    const where: string[] = [];
    if (filter.state === 'CLOSED') where.push(`l.status = 'CLOSED'`);
    if (filter.state === 'OPEN') where.push(`l.status <> 'CLOSED'`);
    if (filter.alias !== undefined) where.push(`l.alias = ${param(filter.alias)}`);
    if (filter.entity !== undefined) where.push(`l.entity = ${param(filter.entity)}`);
    const sql = `
      WITH l AS (
        SELECT DISTINCT ON (incident_id) * FROM incident_events ${window}
        ORDER BY incident_id, sequence DESC
      )
      SELECT ${INCIDENT_COLUMNS} FROM l
      ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY l.active_at DESC, l.incident_id
      LIMIT ${param(filter.limit)}`;
    return this.rows<IncidentView>(sql, params, 'listing incidents');
  }

  /** One incident's current state and the alert ids its latest event covers. */
  async incident(incidentId: string): Promise<(IncidentView & { alertIds: string[] }) | undefined> {
    const sql = `
      WITH l AS (SELECT * FROM incident_events WHERE incident_id = $1 ORDER BY sequence DESC LIMIT 1)
      SELECT ${INCIDENT_COLUMNS}, l.alert_ids AS "alertIds" FROM l`;
    return (await this.rows<IncidentView & { alertIds: string[] }>(sql, [incidentId], 'reading an incident'))[0];
  }

  /**
   * The scores behind an incident: the stored scores of the alerts its latest
   * event covers, of the incident's model, version and alias (of every module
   * with `allModels`). The alerts' event times start at the incident's
   * `opened_at`, which bounds the partitions read.
   */
  async incidentScores(incidentId: string, options: { allModels?: boolean } = {}): Promise<IncidentScores> {
    const incident = await this.incident(incidentId);
    if (!incident) {
      throw new VigilError('VIGIL_SINK_BAD_ARGUMENT', `no incident ${incidentId} in the store`, { incidentId });
    }
    const { alertIds: ids, ...view } = incident;
    const params: unknown[] = [ids, incident.openedAt];
    let sameModel = '';
    if (!options.allModels) {
      params.push(incident.model, incident.version, incident.alias);
      sameModel = 'AND s.model = $3 AND s.version = $4 AND s.alias = $5';
    }
    const scores = await this.rows<ScoreView>(
      `SELECT s.ts, s.alert_id AS "alertId", s.entity, ${SCORE_COLUMNS}
       FROM scores s
       WHERE s.alert_id = ANY($1::text[]) AND s.ts >= $2 ${sameModel}
       ORDER BY s.ts, s.alert_id, s.module, s.model, s.alias`,
      params,
      'reading the scores of an incident',
    );
    const found = new Set(scores.map((s) => s.alertId));
    return { incident: view, scores, missingAlertIds: ids.filter((id) => !found.has(id)) };
  }

  /** An entity's latest alerts (at most `limit`, newest first) with each of their scores and latest label. */
  async entityHistory(entity: string, options: { since?: Date; limit: number }): Promise<HistoryView[]> {
    const params: unknown[] = [entity, options.limit];
    let since = '';
    if (options.since) {
      params.push(options.since);
      since = 'AND ts >= $3';
    }
    return this.rows<HistoryView>(
      `WITH recent AS (
         SELECT alert_id, ts, signal_values FROM alerts WHERE entity = $1 ${since} ORDER BY ts DESC LIMIT $2
       )
       SELECT r.ts, r.alert_id AS "alertId", ${SCORE_COLUMNS}, r.signal_values AS values, lb.label
       FROM recent r
       LEFT JOIN scores s ON s.alert_id = r.alert_id AND s.ts = r.ts
       LEFT JOIN LATERAL (
         SELECT label FROM labels WHERE labels.alert_id = r.alert_id ORDER BY labelled_at DESC LIMIT 1
       ) lb ON true
       ORDER BY r.ts DESC, r.alert_id, s.module, s.model, s.alias`,
      params,
      'reading entity history',
    );
  }

  /** Score counts by model, version, alias and verdict. */
  async summary(options: { since?: Date } = {}): Promise<SummaryView[]> {
    const params: unknown[] = [];
    const where = options.since ? 'WHERE ts >= $1' : '';
    if (options.since) params.push(options.since);
    const rows = await this.rows<Omit<SummaryView, 'count'> & { count: string }>(
      `SELECT model, version, alias, verdict, count(*) AS count, min(ts) AS "firstTs", max(ts) AS "lastTs"
       FROM scores ${where}
       GROUP BY model, version, alias, verdict
       ORDER BY model, version, alias, verdict`,
      params,
      'summarising scores',
    );
    return rows.map((row) => ({ ...row, count: Number(row.count) }));
  }

  private async rows<T extends object>(sql: string, params: unknown[], doing: string): Promise<T[]> {
    try {
      return (await this.pool.query<T>(sql, params)).rows;
    } catch (error) {
      throw databaseUnavailable(error, doing);
    }
  }
}
