import { Counter, Gauge, type Registry } from 'prom-client';

export interface OpenIncidentSource {
  countOpen(): Promise<Map<string, number>>;
}

/**
 * The incident service's own series; records in/out/dead-lettered come from
 * the consume loop's metrics. `vigil_incidents_open` is read from the state in
 * Redis at scrape time, so it is right after a restart and the same on every
 * instance (aggregate it with max, not sum); when Redis cannot be read the
 * previous values stay.
 */
export function createIncidentMetrics(registry: Registry, open: OpenIncidentSource) {
  return {
    open: new Gauge({
      name: 'vigil_incidents_open',
      help: 'Incidents open now, by model alias (from the incident state in Redis)',
      labelNames: ['alias'] as const,
      registers: [registry],
      async collect() {
        let counts: Map<string, number>;
        try {
          counts = await open.countOpen();
        } catch {
          return;
        }
        this.reset();
        for (const [alias, count] of counts) this.set({ alias }, count);
      },
    }),
    transitions: new Counter({
      name: 'vigil_incident_transitions_total',
      help: 'Incident events produced, by status (OPEN, UPDATED, CLOSED) and model alias',
      labelNames: ['status', 'alias'] as const,
      registers: [registry],
    }),
    reminders: new Counter({
      name: 'vigil_incident_reminders_total',
      help: 'UPDATED events sent because the reminder period passed, by model alias',
      labelNames: ['alias'] as const,
      registers: [registry],
    }),
    suppressed: new Counter({
      name: 'vigil_incident_suppressed_total',
      help: 'Anomalies that met the opening rule inside a suppression period (no incident opened), by model alias',
      labelNames: ['alias'] as const,
      registers: [registry],
    }),
    replayed: new Counter({
      name: 'vigil_incident_replayed_scores_total',
      help: 'Scores ignored because their key had processed that alert or a later one (replays, re-runs, late alerts)',
      registers: [registry],
    }),
  };
}

export type IncidentMetrics = ReturnType<typeof createIncidentMetrics>;
