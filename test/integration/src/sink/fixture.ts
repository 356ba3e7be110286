import { randomUUID } from 'node:crypto';
import type { Incident, Label, Score, ScoredAlert } from '@vigil/contracts';
import { createPool, migrate } from '@vigil/postgres';
import { sinkMigrations } from '@vigil/sink';
import { stackEnv } from '@vigil/test-kit';
import type pg from 'pg';

export interface StoreFixture {
  /** A fresh schema, `sink_<uuid>`, migrated. */
  schema: string;
  /** Connections with search_path set to `schema`. */
  pool: pg.Pool;
  /** Drops the schema and closes the pools. */
  cleanup: () => Promise<void>;
}

/** A throw-away schema for one test; nothing outside it is touched. */
export async function storeFixture(options: { migrated?: boolean } = {}): Promise<StoreFixture> {
  const schema = `sink_${randomUUID().replaceAll('-', '')}`;
  const pool = createPool({ url: stackEnv.databaseUrl, schema, max: 4, applicationName: 'vigil-sink-test' });
  pool.on('error', () => undefined);
  if (options.migrated !== false) await migrate(pool, schema, sinkMigrations());
  return {
    schema,
    pool,
    cleanup: async () => {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.end();
    },
  };
}

export const T0 = Date.UTC(2024, 0, 15, 10, 0, 0);
export const DAY = 86_400_000;

export function score(overrides: Partial<Score> = {}): Score {
  return {
    module: 'envelope',
    model: 'vigil-envelope',
    version: '3',
    alias: 'published',
    raw: 4.5,
    calibrated: 0.97,
    verdict: 'ANOMALY',
    missingReason: null,
    thresholds: { unsureAbove: 0.9, anomalyAbove: 0.95 },
    elements: [{ name: 'mahalanobis', kind: 'ELLIPTIC_ENVELOPE', raw: 4.5, calibrated: 0.97 }],
    contributors: [{ signal: 'cpu', weight: 0.8 }],
    latencyMs: 1.25,
    ...overrides,
  };
}

export function scoredAlert(id: string, ts: number, scores: Score[] = [score()], entity = 'host-1'): ScoredAlert {
  return {
    alert: {
      id,
      source: 'skab',
      entity,
      ts,
      ingestedAt: ts + 100,
      values: { cpu: 0.5, temp: 71.25 },
      attrs: { rule: 'r1' },
      features: { cpu_mean_5m: 0.45 },
      origin: { topic: 'telemetry.raw', partition: 0, offset: '42', format: 'JSON' },
    },
    scores,
    scoredAt: ts + 200,
  };
}

export function incident(overrides: Partial<Incident> = {}): Incident {
  return {
    incidentId: 'inc-1',
    groupId: 'grp-1',
    status: 'OPEN',
    sequence: 0,
    reminder: false,
    entity: 'host-1',
    source: 'skab',
    module: 'envelope',
    model: 'vigil-envelope',
    version: '3',
    alias: 'published',
    actionable: true,
    severity: 'HIGH',
    peakScore: 0.97,
    openedAt: T0,
    lastAnomalyAt: T0,
    closedAt: null,
    processedAt: T0 + 500,
    alertIds: ['a-1'],
    contributors: [{ signal: 'cpu', weight: 0.8 }],
    ...overrides,
  };
}

export function label(overrides: Partial<Label> = {}): Label {
  return {
    alertId: 'a-1',
    requestId: 'req-1',
    label: 'ANOMALY',
    labeller: 'alice',
    labelledAt: T0 + 60_000,
    comment: null,
    ...overrides,
  };
}
