import type { Incident, ScoredAlert, Verdict } from '@vigil/contracts';
import {
  applyScoredAlert,
  type CoreSettings,
  compileIncidentRules,
  type EntityState,
  emptyEntityState,
} from '@vigil/incident';
import { mulberry32 } from '@vigil/random';

/** The rules the Kafka tests give the service (as a JSON file) and the in-memory reference run. */
export const TEST_RULES = {
  defaults: {
    k: 2,
    n: 3,
    observation: '5m',
    quietPeriod: '4m',
    updateEvery: '2m',
    reminderPeriod: '3m',
    suppressionPeriod: '3m',
  },
  models: { 'fast-rules': { k: 1, n: 1 } },
} as const;

export const TEST_SETTINGS: CoreSettings = {
  rules: compileIncidentRules(TEST_RULES),
  actionableAliases: new Set(['published']),
};

const T0 = Date.parse('2026-01-05T00:00:00Z');
const MIN = 60_000;

const SCORERS = [
  { module: 'envelope', model: 'pump-envelope', alias: 'published' },
  { module: 'envelope', model: 'pump-envelope', alias: 'challenger' },
  { module: 'rules', model: 'fast-rules', alias: 'published' },
] as const;

/**
 * One scored alert per entity per minute, in bursts of anomalies, with three
 * scorers (two aliases of one model and a k = n = 1 model), in partition
 * order: entity by entity interleaved minute by minute, as scoring emits it.
 */
export function scoredStream(entities: number, minutes: number, seed = 7): ScoredAlert[] {
  // Seeded: every run sees the same stream.
  const next = mulberry32(seed);
  const alerts: ScoredAlert[] = [];
  const burst = new Array<boolean>(entities).fill(false);
  for (let minute = 0; minute < minutes; minute++) {
    for (let e = 0; e < entities; e++) {
      if (next() < 0.08) burst[e] = !burst[e];
      const entity = `pump-${e}`;
      const ts = T0 + minute * MIN;
      const id = `${entity}-${minute}`;
      const scores = SCORERS.map((s) => {
        const roll = next();
        const anomalous = burst[e] ? roll < 0.75 : roll < 0.03;
        const verdict: Verdict = anomalous ? 'ANOMALY' : roll > 0.97 ? 'UNSURE' : roll > 0.96 ? 'MISSING' : 'NORMAL';
        const calibrated = verdict === 'MISSING' ? null : anomalous ? 0.99 + next() * 0.01 : next() * 0.9;
        return {
          module: s.module,
          model: s.model,
          version: '1',
          alias: s.alias,
          raw: calibrated,
          calibrated,
          verdict,
          missingReason: verdict === 'MISSING' ? 'TIMEOUT' : null,
          thresholds: { unsureAbove: 0.95, anomalyAbove: 0.99 },
          elements: [],
          contributors: [
            { signal: 'flow', weight: next() },
            { signal: 'pressure', weight: next() },
          ],
          latencyMs: 1,
        };
      });
      alerts.push({
        alert: {
          id,
          source: 'incident-test',
          entity,
          ts,
          ingestedAt: ts,
          values: { flow: next() },
          attrs: {},
          features: {},
          origin: { topic: 'telemetry.raw', partition: 0, offset: String(minute), format: 'JSON' },
        },
        scores,
        scoredAt: ts,
      });
    }
  }
  return alerts;
}

/** The transitions a clean run must produce, computed with the pure core. */
export function expectedTransitions(alerts: readonly ScoredAlert[], settings = TEST_SETTINGS): Incident[] {
  const states = new Map<string, EntityState>();
  const out: Incident[] = [];
  for (const scored of alerts) {
    const entity = scored.alert.entity;
    const applied = applyScoredAlert(states.get(entity) ?? emptyEntityState(entity), scored, settings, 0);
    states.set(entity, applied.state);
    out.push(...applied.incidents);
  }
  return out;
}

/** `incidentId/sequence`: the identity of a transition (the store's primary key). */
export function transitionId(incident: Pick<Incident, 'incidentId' | 'sequence'>): string {
  return `${incident.incidentId}/${incident.sequence}`;
}

/** A transition without its processing time, as plain data (decoded Avro records are class instances), for comparing runs. */
export function withoutProcessedAt(incident: Incident): Omit<Incident, 'processedAt'> {
  const { processedAt: _, ...rest } = incident;
  return JSON.parse(JSON.stringify(rest));
}
