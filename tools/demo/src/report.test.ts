import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type IncidentRow, outcomes, placement, segmentsOf, table } from './report.ts';

describe('demo report', () => {
  const labels = [
    { id: 'a#0', entity: 'a', ts: 1_000, anomaly: false },
    { id: 'a#1', entity: 'a', ts: 2_000, anomaly: true },
    { id: 'a#2', entity: 'a', ts: 3_000, anomaly: true },
    { id: 'a#3', entity: 'a', ts: 4_000, anomaly: false },
    { id: 'b#0', entity: 'b', ts: 1_000, anomaly: false },
  ];

  it('finds each entity labelled segment', () => {
    assert.deepEqual(segmentsOf(labels), [
      { entity: 'a', records: 4, anomalous: 2, from: 2_000, to: 3_000 },
      { entity: 'b', records: 1, anomalous: 0, from: null, to: null },
    ]);
  });

  it('places an incident against the segment', () => {
    const [a, b] = segmentsOf(labels);
    assert.equal(placement(2_500, a), 'inside the labelled segment, 1 s after it began');
    assert.equal(placement(1_000, a), '1 s before the labelled segment');
    assert.equal(placement(9_000, a), '6 s after the labelled segment ended');
    assert.equal(placement(1_500, b), 'no labelled anomaly on this entity (false alarm)');
  });

  it('sums up each entity: detected, missed, correct silence or false alarm', () => {
    const incident = (entity: string, model: string, openedAt: number, actionable = true): IncidentRow => ({
      incidentId: `${entity}/${model}/${openedAt}`,
      entity,
      model,
      alias: actionable ? 'published' : 'challenger',
      groupId: entity,
      actionable,
      severity: 'HIGH',
      openedAt,
      closedAt: null,
      alerts: 3,
    });
    const segments = segmentsOf([...labels, { id: 'c#0', entity: 'c', ts: 1_000, anomaly: true }]);
    assert.deepEqual(
      outcomes(segments, [
        incident('a', 'late', 2_900),
        incident('a', 'first', 2_000),
        incident('a', 'early', 500),
        incident('b', 'noisy', 1_000),
        incident('c', 'shadow', 1_000, false),
      ]),
      [
        {
          entity: 'a',
          verdict:
            'detected by first, inside the labelled segment, 0 s after it began; 1 incident(s) before it (false alarm)',
        },
        { entity: 'b', verdict: 'normal operation, 1 incident(s) (false alarm: noisy)' },
        { entity: 'c', verdict: 'missed: no actionable incident opened inside the labelled segment' },
      ],
    );
    assert.deepEqual(outcomes(segmentsOf(labels).slice(1), []), [
      { entity: 'b', verdict: 'normal operation, no incident (correct)' },
    ]);
  });

  it('aligns table columns', () => {
    assert.equal(table(['x', 'long'], [['abc', '1']]), 'x    long\nabc  1');
  });
});
