import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { topicNames } from '@vigil/contracts';
import {
  checkIncident,
  isAvroWire,
  MAX_TIME_MS,
  MIN_TIME_MS,
  parseLabelJson,
  timeProblem,
  topicRoles,
} from './core.ts';

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const valid = { alertId: 'a-1', label: 'ANOMALY', labeller: 'alice', labelledAt: 1_705_312_800_000 };

describe('sink core', () => {
  it('reads scored alerts, both incident topics and labels', () => {
    const roles = topicRoles(topicNames({ TOPIC_INCIDENTS_SHADOW: 'shadow.x' }));
    assert.deepEqual(Object.fromEntries(roles), {
      'alerts.scored': 'scored',
      incidents: 'incident',
      'shadow.x': 'incident',
      'feedback.labels': 'label',
    });
  });

  it('tells Avro wire format from JSON by the magic byte', () => {
    assert.equal(isAvroWire(Buffer.from([0, 0, 0, 0, 1, 2])), true);
    assert.equal(isAvroWire(json(valid)), false);
    assert.equal(isAvroWire(Buffer.alloc(0)), false);
  });

  it('parses a JSON label, filling the optional fields with null', () => {
    assert.deepEqual(parseLabelJson(json(valid)), {
      ok: true,
      label: { ...valid, requestId: null, comment: null },
    });
    const text = parseLabelJson(json({ ...valid, labelledAt: '2024-01-15T10:00:00Z', requestId: 'r', comment: 'c' }));
    assert.deepEqual(text, {
      ok: true,
      label: { ...valid, labelledAt: Date.UTC(2024, 0, 15, 10), requestId: 'r', comment: 'c' },
    });
  });

  it('rejects a malformed JSON label with VIGIL_SINK_INVALID_RECORD naming the field', () => {
    const cases: [unknown, RegExp][] = [
      [[1, 2], /JSON object/],
      [{ ...valid, alertId: 7 }, /alertId/],
      [{ ...valid, label: 'MAYBE' }, /label must be/],
      [{ ...valid, labeller: null }, /labeller/],
      [{ ...valid, labelledAt: 'yesterday' }, /labelledAt/],
      [{ ...valid, labelledAt: 1.5 }, /labelledAt/],
      [{ ...valid, comment: 3 }, /comment/],
      [{ ...valid, alertId: '' }, /alertId is empty/],
    ];
    for (const [body, message] of cases) {
      const result = parseLabelJson(json(body));
      assert.equal(result.ok, false, JSON.stringify(body));
      assert.equal(!result.ok && result.code, 'VIGIL_SINK_INVALID_RECORD');
      assert.match(!result.ok ? result.message : '', message);
    }
    const broken = parseLabelJson(Buffer.from('{"alertId":'));
    assert.equal(!broken.ok && broken.code, 'VIGIL_SINK_INVALID_RECORD');
  });

  it('takes times from year 0001 to 9999 only', () => {
    assert.equal(timeProblem({ ts: MIN_TIME_MS, other: MAX_TIME_MS, closed: null }), undefined);
    assert.match(timeProblem({ ts: MAX_TIME_MS + 1 })?.message ?? '', /^ts .* outside/);
    assert.match(timeProblem({ ts: MIN_TIME_MS - 1 })?.message ?? '', /outside/);
    assert.match(timeProblem({ ts: 1.5 })?.message ?? '', /outside/);
    const incident = { incidentId: 'i', openedAt: 0, lastAnomalyAt: 0, closedAt: 1e17, processedAt: 0 };
    assert.match(checkIncident(incident as Parameters<typeof checkIncident>[0])?.message ?? '', /closedAt/);
  });
});
