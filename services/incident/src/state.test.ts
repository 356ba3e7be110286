import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyScoredAlert } from './core.ts';
import { compileIncidentRules } from './rules.ts';
import { emptyEntityState, parseEntityState, serializeEntityState } from './state.ts';
import { openIndexChanges } from './store.ts';

const scored = (id: string, ts: number, verdict: 'ANOMALY' | 'NORMAL') => ({
  alert: {
    id,
    source: 's',
    entity: 'e1',
    ts,
    ingestedAt: ts,
    values: {},
    attrs: {},
    features: {},
    origin: { topic: 't', partition: 0, offset: '0', format: 'JSON' as const },
  },
  scores: [
    {
      module: 'mod',
      model: 'm',
      version: '1',
      alias: 'published',
      raw: 1,
      calibrated: verdict === 'ANOMALY' ? 0.999 : 0.1,
      verdict,
      missingReason: null,
      thresholds: { unsureAbove: 0.9, anomalyAbove: 0.99 },
      elements: [],
      contributors: [{ signal: 'x', weight: 1 }],
      latencyMs: 1,
    },
  ],
  scoredAt: ts,
});

const settings = {
  rules: compileIncidentRules({ defaults: { k: 1, n: 1, quietPeriod: '1m', suppressionPeriod: 0 } }),
  actionableAliases: new Set(['published']),
};

describe('entity state', () => {
  it('round-trips through its stored text', () => {
    const { state } = applyScoredAlert(emptyEntityState('e1'), scored('a', 1000, 'ANOMALY'), settings, 5);
    assert.deepEqual(parseEntityState('e1', serializeEntityState(state)), { ok: true, state });
    assert.deepEqual(parseEntityState('e1', null), { ok: true, state: emptyEntityState('e1') });
  });

  it('refuses text that is not its own format, saying why', () => {
    const good = serializeEntityState(emptyEntityState('e1'));
    assert.deepEqual(parseEntityState('e2', good), { ok: false, message: 'stored state belongs to entity e1' });
    assert.deepEqual(parseEntityState('e1', good.replace('"v":1', '"v":2')), {
      ok: false,
      message: 'stored state has version 2',
    });
    assert.match((parseEntityState('e1', '{"v":1') as { message: string }).message, /not JSON/);
    assert.equal(parseEntityState('e1', '[]').ok, false);
    assert.equal(parseEntityState('e1', '{"v":1,"entity":"e1","keys":{"k":{"model":"m"}},"group":null}').ok, false);
  });
});

describe('openIndexChanges', () => {
  it('adds an opened incident, moves it on a new anomaly, removes it on close', () => {
    const s0 = emptyEntityState('e1');
    const s1 = applyScoredAlert(s0, scored('a', 1000, 'ANOMALY'), settings, 5).state;
    const s2 = applyScoredAlert(s1, scored('b', 2000, 'ANOMALY'), settings, 5).state;
    const s3 = applyScoredAlert(s2, scored('c', 3000, 'NORMAL'), settings, 5).state;
    const s4 = applyScoredAlert(s3, scored('d', 200_000, 'NORMAL'), settings, 5).state;
    const member = '["e1","m"]';
    assert.deepEqual(openIndexChanges({ before: s0, after: s1 }), [
      { alias: 'published', member, lastAnomalyAt: 1000 },
    ]);
    assert.deepEqual(openIndexChanges({ before: s1, after: s2 }), [
      { alias: 'published', member, lastAnomalyAt: 2000 },
    ]);
    assert.deepEqual(openIndexChanges({ before: s2, after: s3 }), []);
    assert.deepEqual(openIndexChanges({ before: s3, after: s4 }), [
      { alias: 'published', member, lastAnomalyAt: null },
    ]);
    assert.deepEqual(openIndexChanges({ before: s0, after: s4 }), []);
  });
});
