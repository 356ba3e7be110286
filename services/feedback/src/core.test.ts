import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Score } from '@vigil/contracts';
import { requestsOf, type ScoredAlertHead } from './core.ts';
import { compileFeedbackPolicies } from './policy.ts';
import { drawsFor, requestIdOf } from './sampling.ts';

const thresholds = { unsureAbove: 0.9, anomalyAbove: 0.95 };

function score(model: string, alias: string, verdict: Score['verdict'], calibrated: number | null): Score {
  return {
    module: 'iforest',
    model,
    version: '7',
    alias,
    raw: calibrated,
    calibrated,
    verdict,
    missingReason: verdict === 'MISSING' ? 'NO_FEATURES' : null,
    thresholds,
    elements: [],
    contributors: [],
    latencyMs: 0.1,
  };
}

function scored(id: string, scores: Score[]): ScoredAlertHead {
  return {
    alert: { id, source: 'skab', entity: 'pump-1', ts: 1_700_000_000_000 },
    scores,
    scoredAt: 1_700_000_000_500,
  };
}

describe('requestsOf', () => {
  it('decides every score under its model’s policy and fills the request from the alert and the score', () => {
    const policies = compileFeedbackPolicies({
      defaults: { randomRate: 1 },
      models: { 'pump@challenger': { randomRate: 0, borderline: { rate: 0 } } },
    });
    const alert = scored('a-1', [
      score('pump', 'published', 'NORMAL', 0.2),
      score('pump', 'challenger', 'NORMAL', 0.2),
      score('pump', 'challenger', 'UNSURE', 0.92),
      score('fan', 'published', 'MISSING', null),
    ]);
    const requests = requestsOf(alert, policies, 42);
    assert.deepEqual(
      requests.map((r) => [r.alias, r.verdict, r.reason, r.inclusionProbability]),
      [
        ['published', 'NORMAL', 'RANDOM', 1],
        ['challenger', 'UNSURE', 'UNSURE', 1],
      ],
    );
    assert.deepEqual(requests[0], {
      requestId: requestIdOf('a-1', 'pump', '7', 'published'),
      alertId: 'a-1',
      entity: 'pump-1',
      source: 'skab',
      ts: 1_700_000_000_000,
      module: 'iforest',
      model: 'pump',
      version: '7',
      alias: 'published',
      verdict: 'NORMAL',
      calibrated: 0.2,
      reason: 'RANDOM',
      inclusionProbability: 1,
      requestedAt: 42,
    });
  });

  it('is deterministic and coordinated: models with one seed request the same alerts, nested by rate', () => {
    const policies = compileFeedbackPolicies({ models: { low: { randomRate: 0.05 }, high: { randomRate: 0.2 } } });
    let low = 0;
    let high = 0;
    for (let i = 0; i < 2_000; i++) {
      const alert = scored(`a-${i}`, [
        score('low', 'published', 'NORMAL', 0.1),
        score('high', 'published', 'NORMAL', 0.1),
      ]);
      const first = requestsOf(alert, policies, 1);
      assert.deepEqual(requestsOf(alert, policies, 1), first, 'a replay decides the same');
      const models = first.map((r) => r.model);
      if (models.includes('low')) {
        low++;
        assert.ok(models.includes('high'), 'every alert the low rate takes, the high rate takes too');
      }
      if (models.includes('high')) high++;
      assert.equal(models.includes('high'), drawsFor('vigil-feedback', `a-${i}`).random < 0.2);
    }
    // 2,000 alerts at 5 % and 20 %: 100 ± 44 and 400 ± 80 (4.5 binomial standard deviations).
    assert.ok(Math.abs(low - 100) < 44 && Math.abs(high - 400) < 80, `${low} and ${high}`);
  });
});
