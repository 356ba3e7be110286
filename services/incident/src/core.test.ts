import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Incident, Score, ScoredAlert, Verdict } from '@vigil/contracts';
import { type AppliedAlert, applyScoredAlert, type CoreSettings } from './core.ts';
import { incidentIdOf } from './machine.ts';
import { compileIncidentRules, type RuleOptions } from './rules.ts';
import { type EntityState, emptyEntityState } from './state.ts';

const T0 = Date.parse('2026-02-01T00:00:00Z');
const MIN = 60_000;
const PROCESSED_AT = Date.parse('2026-03-01T00:00:00Z');

type ScoreSpec = { model?: string; alias?: string; verdict: Verdict; calibrated?: number | null; signals?: string[] };

function score(spec: ScoreSpec): Score {
  const calibrated = spec.calibrated === undefined ? (spec.verdict === 'ANOMALY' ? 0.995 : 0.4) : spec.calibrated;
  return {
    module: `${spec.model ?? 'm'}-module`,
    model: spec.model ?? 'm',
    version: '3',
    alias: spec.alias ?? 'published',
    raw: calibrated,
    calibrated,
    verdict: spec.verdict,
    missingReason: spec.verdict === 'MISSING' ? 'TIMEOUT' : null,
    thresholds: { unsureAbove: 0.95, anomalyAbove: 0.99 },
    elements: [],
    contributors: (spec.signals ?? ['flow', 'temp']).map((signal, i) => ({ signal, weight: 1 / (i + 1) })),
    latencyMs: 1,
  };
}

function alert(id: string, minute: number, scores: ScoreSpec[], entity = 'pump-1'): ScoredAlert {
  const ts = T0 + minute * MIN;
  return {
    alert: {
      id,
      source: 'skab',
      entity,
      ts,
      ingestedAt: ts,
      values: {},
      attrs: {},
      features: {},
      origin: { topic: 'telemetry.raw', partition: 0, offset: '0', format: 'JSON' },
    },
    scores: scores.map(score),
    scoredAt: ts,
  };
}

/** One verdict of model `m` per minute: `A` anomaly, `N` normal, `U` unsure, `M` missing, `.` no alert. */
function sequence(
  pattern: string,
  opts: { model?: string; alias?: string; startMinute?: number; every?: number } = {},
) {
  const verdicts: Record<string, Verdict> = { A: 'ANOMALY', N: 'NORMAL', U: 'UNSURE', M: 'MISSING' };
  const alerts: ScoredAlert[] = [];
  [...pattern].forEach((c, i) => {
    const verdict = verdicts[c];
    const minute = (opts.startMinute ?? 0) + i * (opts.every ?? 1);
    if (verdict) alerts.push(alert(`a${minute}`, minute, [{ verdict, model: opts.model, alias: opts.alias }]));
  });
  return alerts;
}

function settings(rule: Partial<RuleOptions> = {}, models: Record<string, Partial<RuleOptions>> = {}): CoreSettings {
  return {
    rules: compileIncidentRules({ defaults: rule, models }),
    actionableAliases: new Set(['published']),
  };
}

function run(alerts: ScoredAlert[], s: CoreSettings, start: EntityState = emptyEntityState('pump-1')) {
  let state = start;
  const incidents: Incident[] = [];
  const results: AppliedAlert[] = [];
  for (const a of alerts) {
    const result = applyScoredAlert(state, a, s, PROCESSED_AT);
    state = result.state;
    incidents.push(...result.incidents);
    results.push(result);
  }
  return { state, incidents, results };
}

const brief = (incidents: Incident[]) =>
  incidents.map((i) => `${i.status}${i.reminder ? '!' : ''}#${i.sequence}@${(i.lastAnomalyAt - T0) / MIN}`);
const statuses = (incidents: Incident[]) => incidents.map((i) => `${i.status}${i.reminder ? '(reminder)' : ''}`);
const fast = { quietPeriod: '5m', suppressionPeriod: 0, updateEvery: '1h', reminderPeriod: null } as const;

describe('opening rule: k of the last n within the observation interval', () => {
  it('k = n = 1 opens on the first anomaly, with a deterministic id and event times', () => {
    const { incidents } = run(sequence('NNA'), settings({ ...fast, k: 1, n: 1 }));
    assert.equal(incidents.length, 1);
    const open = incidents[0] as Incident;
    assert.equal(open.status, 'OPEN');
    assert.equal(open.sequence, 0);
    assert.equal(open.incidentId, incidentIdOf('pump-1', 'm', 'published', 'a2'));
    assert.equal(open.groupId, open.incidentId);
    assert.equal(open.openedAt, T0 + 2 * MIN);
    assert.equal(open.lastAnomalyAt, T0 + 2 * MIN);
    assert.equal(open.closedAt, null);
    assert.equal(open.processedAt, PROCESSED_AT);
    assert.deepEqual(open.alertIds, ['a2']);
    assert.equal(open.actionable, true);
    assert.equal(open.entity, 'pump-1');
    assert.equal(open.source, 'skab');
    assert.equal(open.module, 'm-module');
  });

  it('opens on the anomaly that makes k of the last n, covering the anomalies in the window', () => {
    const { incidents } = run(sequence('ANNAA'), settings({ ...fast, k: 3, n: 5, observation: '10m' }));
    assert.equal(incidents.length, 1);
    const open = incidents[0] as Incident;
    assert.equal(open.incidentId, incidentIdOf('pump-1', 'm', 'published', 'a4'));
    assert.deepEqual(open.alertIds, ['a0', 'a3', 'a4']);
    assert.equal(open.openedAt, T0, 'openedAt is the first covered anomaly');
    assert.equal(open.lastAnomalyAt, T0 + 4 * MIN);
  });

  it('does not count anomalies older than the observation interval', () => {
    // Anomalies 4 minutes apart: with a 10-minute interval only 3 fit (t-10m, t], with 8 minutes 2 do.
    const spread = sequence('A...A...A', {});
    assert.equal(run(spread, settings({ ...fast, k: 3, n: 5, observation: '10m' })).incidents.length, 1);
    assert.equal(run(spread, settings({ ...fast, k: 3, n: 5, observation: '8m' })).incidents.length, 0);
  });

  it('does not count anomalies beyond the last n verdicts', () => {
    assert.equal(run(sequence('ANNA'), settings({ ...fast, k: 2, n: 3 })).incidents.length, 0);
    assert.equal(run(sequence('ANA'), settings({ ...fast, k: 2, n: 3 })).incidents.length, 1);
  });

  it('counts UNSURE and MISSING as not anomalous, but as verdicts that take a place in the window', () => {
    assert.equal(run(sequence('AUMUA'), settings({ ...fast, k: 2, n: 3 })).incidents.length, 0);
    assert.equal(run(sequence('UUMMU'), settings({ ...fast, k: 1, n: 1 })).incidents.length, 0);
  });

  it('applies the rule of each model, falling back to the defaults', () => {
    const s = settings({ ...fast, k: 3, n: 3 }, { eager: { k: 1, n: 1 } });
    const alerts = [
      alert('x1', 0, [
        { verdict: 'ANOMALY', model: 'eager' },
        { verdict: 'ANOMALY', model: 'slow' },
      ]),
    ];
    const { incidents } = run(alerts, s);
    assert.deepEqual(
      incidents.map((i) => i.model),
      ['eager'],
    );
  });
});

describe('while open', () => {
  it('sends UPDATED at most once per updateEvery, each covering the alerts so far', () => {
    const s = settings({ ...fast, k: 1, n: 1, updateEvery: '5m', quietPeriod: '30m' });
    const { incidents } = run(sequence('AAAAAAAAAAA'), s);
    assert.deepEqual(brief(incidents), ['OPEN#0@0', 'UPDATED#1@5', 'UPDATED#2@10']);
    assert.deepEqual((incidents[1] as Incident).alertIds, ['a0', 'a1', 'a2', 'a3', 'a4', 'a5']);
    assert.equal((incidents[2] as Incident).alertIds.length, 11);
    assert.ok(incidents.every((i) => i.incidentId === (incidents[0] as Incident).incidentId));
  });

  it('sends UPDATED at once when the severity rises, and derives severity from the peak score', () => {
    const s = settings({ ...fast, k: 1, n: 1, updateEvery: '1h', quietPeriod: '30m' });
    const alerts = [
      alert('s0', 0, [{ verdict: 'ANOMALY', calibrated: 0.991 }]),
      alert('s1', 1, [{ verdict: 'ANOMALY', calibrated: 0.992 }]),
      alert('s2', 2, [{ verdict: 'ANOMALY', calibrated: 0.9995 }]),
      alert('s3', 3, [{ verdict: 'ANOMALY', calibrated: 0.9 }]),
      alert('s4', 4, [{ verdict: 'ANOMALY', calibrated: 1 }]),
    ];
    const { incidents } = run(alerts, s);
    assert.deepEqual(
      incidents.map((i) => [i.status, i.sequence, i.severity, i.peakScore]),
      [
        ['OPEN', 0, 'MEDIUM', 0.991],
        ['UPDATED', 1, 'HIGH', 0.9995],
        ['UPDATED', 2, 'CRITICAL', 1],
      ],
    );
  });

  it('takes the passed threshold as the score of an ANOMALY without a calibrated score', () => {
    const s = settings({ ...fast, k: 1, n: 1, severity: { medium: 0.5, high: 0.99, critical: 1 } });
    const { incidents } = run([alert('n0', 0, [{ verdict: 'ANOMALY', calibrated: null }])], s);
    assert.equal((incidents[0] as Incident).peakScore, 0.99);
    assert.equal((incidents[0] as Incident).severity, 'HIGH');
  });

  it('sends a reminder after reminderPeriod without a notification', () => {
    const s = settings({ k: 1, n: 1, updateEvery: '1m', reminderPeriod: '30m', quietPeriod: '2h' });
    // One anomaly at 0, then a normal verdict every 10 minutes.
    const { incidents } = run(sequence('ANNNNNNNNNNNNN', { every: 10 }), s);
    assert.deepEqual(statuses(incidents), [
      'OPEN',
      'UPDATED(reminder)',
      'UPDATED(reminder)',
      'UPDATED(reminder)',
      'CLOSED',
    ]);
    assert.deepEqual(
      incidents.map((i) => i.sequence),
      [0, 1, 2, 3, 4],
    );
    assert.equal((incidents[4] as Incident).closedAt, T0 + 120 * MIN);
  });

  it('merges the contributors of the covered alerts by mean weight, largest first', () => {
    const s = settings({ ...fast, k: 1, n: 1, updateEvery: 0, maxContributors: 2 });
    const alerts = [
      alert('c0', 0, [{ verdict: 'ANOMALY', signals: ['flow', 'temp', 'vibration'] }]),
      alert('c1', 1, [{ verdict: 'ANOMALY', signals: ['temp', 'flow'] }]),
    ];
    const { incidents } = run(alerts, s);
    assert.deepEqual((incidents[0] as Incident).contributors, [
      { signal: 'flow', weight: 1 },
      { signal: 'temp', weight: 0.5 },
    ]);
    // Scores list at most maxContributors signals each: flow (1 + 0.5) / 2, temp (0.5 + 1) / 2: a tie, by name.
    assert.deepEqual((incidents[1] as Incident).contributors, [
      { signal: 'flow', weight: 0.75 },
      { signal: 'temp', weight: 0.75 },
    ]);
  });

  it('lists at most maxAlertIds alert ids, the first ones covered', () => {
    const s = settings({ ...fast, k: 1, n: 1, updateEvery: 0, maxAlertIds: 2 });
    const { incidents } = run(sequence('AAAA'), s);
    assert.deepEqual((incidents.at(-1) as Incident).alertIds, ['a0', 'a1']);
  });
});

describe('closing and suppression', () => {
  it('closes on the next alert after quietPeriod without an anomaly, at last anomaly + quiet period', () => {
    const s = settings({ ...fast, k: 1, n: 1, quietPeriod: '5m' });
    const early = run(sequence('AANNNN'), s);
    assert.deepEqual(statuses(early.incidents), ['OPEN'], 'four normal minutes are not five');
    // The stream pauses; the next alert, 40 minutes later, closes the incident as of minute 6.
    const late = run([...sequence('AANNNN'), alert('late', 46, [{ verdict: 'NORMAL' }])], s);
    assert.deepEqual(statuses(late.incidents), ['OPEN', 'CLOSED']);
    const closed = late.incidents[1] as Incident;
    assert.equal(closed.sequence, 1);
    assert.equal(closed.closedAt, T0 + 6 * MIN);
    assert.deepEqual(closed.alertIds, ['a0', 'a1']);
    assert.equal(late.state.keys['["m","published"]']?.open, null);
  });

  it('an anomaly after the quiet period closes the old incident and opens a new one', () => {
    const s = settings({ ...fast, k: 1, n: 1, quietPeriod: '5m' });
    const { incidents } = run(sequence('A.....A'), s);
    assert.deepEqual(statuses(incidents), ['OPEN', 'CLOSED', 'OPEN']);
    assert.notEqual((incidents[0] as Incident).incidentId, (incidents[2] as Incident).incidentId);
  });

  it('suppresses a new incident of the same key within suppressionPeriod, counting the anomalies', () => {
    const s = settings({ ...fast, k: 1, n: 1, quietPeriod: '5m', suppressionPeriod: '10m' });
    // Open at 0, close at 5 (seen at 6); anomalies at 8 and 14 fall before 5 + 10 = 15; the one at 15 opens.
    const { incidents, results } = run(sequence('A.....N.A.....AA'), s);
    assert.deepEqual(statuses(incidents), ['OPEN', 'CLOSED', 'OPEN']);
    assert.equal((incidents[2] as Incident).incidentId, incidentIdOf('pump-1', 'm', 'published', 'a15'));
    assert.equal(results.flatMap((r) => r.suppressed).length, 2);
  });

  it('with k > 1, anomalies counted during suppression still count towards the next opening', () => {
    const s = settings({ ...fast, k: 2, n: 3, quietPeriod: '5m', suppressionPeriod: '8m' });
    // Open at 1, closed as of 6 (seen at 7), suppressed until 14; the anomaly at 7 counts at 14.
    const { incidents } = run(sequence('AA.....A......A'), s);
    assert.deepEqual(statuses(incidents), ['OPEN', 'CLOSED', 'OPEN']);
    assert.deepEqual((incidents[2] as Incident).alertIds, ['a7', 'a14']);
    assert.equal((incidents[2] as Incident).openedAt, T0 + 7 * MIN);
  });
});

describe('grouping across models', () => {
  it('links incidents of one entity that overlap in time under the first one id', () => {
    const s = settings({ ...fast, k: 1, n: 1, quietPeriod: '5m' });
    const both = (id: string, minute: number, a: Verdict, b: Verdict) =>
      alert(id, minute, [
        { verdict: a, model: 'envelope' },
        { verdict: b, model: 'predictive', alias: 'challenger' },
      ]);
    const alerts = [
      both('g0', 0, 'ANOMALY', 'NORMAL'),
      both('g1', 3, 'NORMAL', 'ANOMALY'), // overlaps with envelope's incident (open until 0 + 5)
      both('g2', 7, 'NORMAL', 'NORMAL'), // envelope closes (as of 5); predictive still open until 8
      both('g3', 20, 'NORMAL', 'NORMAL'), // predictive closes
      both('g4', 30, 'NORMAL', 'ANOMALY'), // a new, separate group
    ];
    const { incidents, state } = run(alerts, s);
    assert.deepEqual(
      incidents.map((i) => `${i.model}:${i.status}`),
      ['envelope:OPEN', 'predictive:OPEN', 'envelope:CLOSED', 'predictive:CLOSED', 'predictive:OPEN'],
    );
    const first = incidents[0] as Incident;
    assert.equal((incidents[1] as Incident).groupId, first.incidentId);
    assert.equal((incidents[1] as Incident).actionable, false);
    assert.equal((incidents[3] as Incident).groupId, first.incidentId);
    const last = incidents[4] as Incident;
    assert.equal(last.groupId, last.incidentId);
    assert.deepEqual(state.group, {
      groupId: last.incidentId,
      members: { '["predictive","challenger"]': T0 + 35 * MIN },
    });
  });

  it('does not link an incident that opens after the other went quiet but before it was closed', () => {
    const s = settings({ ...fast, k: 1, n: 1, quietPeriod: '5m' });
    const alerts = [
      alert('h0', 0, [{ verdict: 'ANOMALY', model: 'a' }]),
      // Model a did not score this alert: its incident is quiet since 5 but not closed yet.
      alert('h1', 9, [{ verdict: 'ANOMALY', model: 'b' }]),
    ];
    const { incidents } = run(alerts, s);
    assert.equal(incidents.length, 2);
    assert.notEqual((incidents[1] as Incident).groupId, (incidents[0] as Incident).groupId);
  });
});

describe('idempotency', () => {
  const s = settings({
    k: 2,
    n: 3,
    quietPeriod: '4m',
    updateEvery: '2m',
    reminderPeriod: '3m',
    suppressionPeriod: '3m',
  });
  const alerts = [
    ...sequence('NAAAANUNA....AAN.NA..AAA'),
    alert('other-model', 30, [{ verdict: 'ANOMALY', model: 'x' }]),
  ];

  it('the same input gives the same transitions, field for field', () => {
    const first = run(alerts, s).incidents;
    const second = run(alerts, s).incidents;
    assert.ok(first.length >= 6);
    assert.deepEqual(second, first);
  });

  it('replaying everything on the final state emits nothing and counts every key as replayed', () => {
    const { state } = run(alerts, s);
    const replay = run(alerts, s, state);
    assert.equal(replay.incidents.length, 0);
    assert.equal(
      replay.results.reduce((n, r) => n + r.replayed, 0),
      alerts.length,
    );
    assert.deepEqual(replay.state, state);
  });

  it('after a crash, reprocessing from any saved state re-emits identical transitions and no others', () => {
    const clean = run(alerts, s).incidents;
    const ids = (list: Incident[]) => list.map((i) => `${i.incidentId}/${i.sequence}`);
    for (const saved of [0, 5, 11, 17]) {
      // State saved after `saved` alerts; the consumer then re-reads from an older offset (3 records earlier).
      const before = run(alerts.slice(0, saved), s);
      const resumed = run(alerts.slice(Math.max(0, saved - 3)), s, before.state);
      const union = [...before.incidents, ...resumed.incidents];
      assert.deepEqual(ids(union), ids(clean), `saved after ${saved}`);
      assert.deepEqual(union, clean);
    }
  });

  it('alerts sharing one event time are each processed once, whatever their order', () => {
    const s1 = settings({ ...fast, k: 2, n: 2 });
    const same = [alert('z', 0, [{ verdict: 'ANOMALY' }]), alert('b', 0, [{ verdict: 'ANOMALY' }])];
    const { state, incidents } = run(same, s1);
    assert.deepEqual(statuses(incidents), ['OPEN']);
    assert.equal(run(same, s1, state).incidents.length, 0);
    assert.equal(run([alert('c', 0, [{ verdict: 'NORMAL' }])], s1, state).results[0]?.replayed, 0);
  });

  it('does not modify the state it is given', () => {
    const start = run(alerts.slice(0, 4), s).state;
    const copy = structuredClone(start);
    run(alerts.slice(4), s, start);
    assert.deepEqual(start, copy);
  });
});
