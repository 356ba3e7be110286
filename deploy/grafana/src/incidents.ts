import { type DashboardSpec, RATE } from './panels.ts';

const A = 'alias=~"$alias"';

export const incidents: DashboardSpec = {
  uid: 'vigil-incidents',
  title: 'Vigil · Incidents',
  description:
    'Incidents opened for SOC operators: open now, transitions, rates, actionable (published models) against shadow (every other alias).',
  tags: ['vigil', 'incidents'],
  variables: [{ name: 'alias', label: 'Alias', query: 'label_values(vigil_incident_transitions_total, alias)' }],
  rows: [
    {
      title: 'Now',
      panels: [
        {
          kind: 'stat',
          title: 'Open incidents by alias',
          description:
            'Incidents open now, read from the incident state in Redis at each scrape (the same on every instance: max, not sum). Aliases other than published are shadow incidents.',
          targets: [{ expr: `max by (alias) (vigil_incidents_open{${A}})`, legend: '{{alias}}' }],
          thresholds: [[1, 'orange']],
          width: 8,
          height: 6,
        },
        {
          kind: 'stat',
          title: 'Opened in the last 24 h',
          description: 'OPEN transitions in the last 24 hours, by alias.',
          targets: [
            {
              expr: `sum by (alias) (increase(vigil_incident_transitions_total{status="OPEN", ${A}}[24h]))`,
              legend: '{{alias}}',
            },
          ],
          width: 8,
          height: 6,
        },
        {
          kind: 'stat',
          title: 'Actionable and shadow events per minute',
          description:
            'Incident events published to `incidents` (models whose alias is published) and to `incidents.shadow` (every other alias).',
          targets: [
            {
              expr: `sum by (topic) (rate(vigil_records_out_total{stage="incident"}[${RATE}])) * 60`,
              legend: '{{topic}}',
            },
          ],
          unit: 'suffix: /min',
          width: 8,
          height: 6,
        },
      ],
    },
    {
      title: 'Over time',
      panels: [
        {
          kind: 'timeseries',
          title: 'Open incidents by alias',
          description: 'Incidents open at each scrape.',
          targets: [{ expr: `max by (alias) (vigil_incidents_open{${A}})`, legend: '{{alias}}' }],
          unit: 'short',
          min: 0,
        },
        {
          kind: 'timeseries',
          title: 'Transitions by status',
          description:
            'OPEN, UPDATED and CLOSED events per minute. Opening and closing times inside the events are event times; this is when they were produced.',
          targets: [
            {
              expr: `sum by (status, alias) (rate(vigil_incident_transitions_total{${A}}[${RATE}])) * 60`,
              legend: '{{alias}} {{status}}',
            },
          ],
          unit: 'suffix: /min',
        },
        {
          kind: 'timeseries',
          title: 'Incident rate: opened per hour',
          description: 'OPEN transitions over the trailing hour, by alias.',
          targets: [
            {
              expr: `sum by (alias) (increase(vigil_incident_transitions_total{status="OPEN", ${A}}[1h]))`,
              legend: '{{alias}}',
            },
          ],
          unit: 'short',
          min: 0,
        },
        {
          kind: 'timeseries',
          title: 'Shadow share of incident events',
          description:
            'Share of incident events that went to incidents.shadow: how much a challenger would add (or spare) operators if it were published.',
          targets: [
            {
              expr: `sum(rate(vigil_records_out_total{stage="incident", topic=~".*shadow.*"}[${RATE}])) / sum(rate(vigil_records_out_total{stage="incident"}[${RATE}]))`,
              legend: 'shadow share',
            },
          ],
          unit: 'percentunit',
          min: 0,
          max: 1,
        },
      ],
    },
    {
      title: 'Rules and delivery',
      panels: [
        {
          kind: 'timeseries',
          title: 'Reminders and suppressed openings',
          description:
            'UPDATED events sent because the reminder period passed, and anomalies that met the opening rule inside a suppression period (no incident opened).',
          targets: [
            {
              expr: `sum by (alias) (increase(vigil_incident_reminders_total{${A}}[${RATE}]))`,
              legend: '{{alias}} reminders',
            },
            {
              expr: `sum by (alias) (increase(vigil_incident_suppressed_total{${A}}[${RATE}]))`,
              legend: '{{alias}} suppressed',
            },
          ],
          unit: 'short',
          width: 8,
        },
        {
          kind: 'timeseries',
          title: 'Replayed scores ignored',
          description:
            'Scores whose key had processed that alert or a later one: replays after a crash, re-runs, late alerts. Never a duplicate incident.',
          targets: [{ expr: `sum(rate(vigil_incident_replayed_scores_total[${RATE}]))`, legend: 'replayed' }],
          unit: 'suffix: scores/s',
          width: 8,
        },
        {
          kind: 'timeseries',
          title: 'Incident events stored',
          description: 'Incident events the sink wrote to PostgreSQL (table incident_events).',
          targets: [
            {
              expr: `sum(rate(vigil_sink_rows_written_total{table="incident_events"}[${RATE}]))`,
              legend: 'written',
            },
          ],
          unit: 'suffix: rows/s',
          width: 8,
        },
        {
          kind: 'timeseries',
          title: 'Incident service lag and dead letters',
          description: 'Scored alerts waiting on alerts.scored, and the ones dead-lettered, by code.',
          targets: [
            { expr: 'sum(vigil_consumer_lag{stage="incident"})', legend: 'lag' },
            {
              expr: `sum by (code) (increase(vigil_records_dead_lettered_total{stage="incident"}[${RATE}]))`,
              legend: 'dead letters {{code}}',
            },
          ],
          unit: 'short',
          width: 24,
        },
      ],
    },
  ],
};
