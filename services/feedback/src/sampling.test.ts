import assert from 'node:assert/strict';
import { hash } from 'node:crypto';
import { describe, it } from 'node:test';
import { decide, drawsFor, requestIdOf, type SampledScore, type SamplingPolicy, stratumRates } from './sampling.ts';

const policy: SamplingPolicy = { seed: 'test', randomRate: 0.1, borderline: { rate: 0.3, halfWidth: 0.02 } };
const thresholds = { unsureAbove: 0.9, anomalyAbove: 0.95 };
const score = (verdict: SampledScore['verdict'], calibrated: number | null): SampledScore => ({
  verdict,
  calibrated,
  thresholds,
});

describe('drawsFor', () => {
  it('is the top 53 bits of two slices of SHA-256(seed NUL alertId): the same on every call', () => {
    const digest = hash('sha256', 'test\u0000alert-1', 'buffer');
    const expected = (offset: number) => Number(digest.readBigUInt64BE(offset) >> 11n) / 2 ** 53;
    assert.deepEqual(drawsFor('test', 'alert-1'), { random: expected(0), borderline: expected(8) });
    assert.deepEqual(drawsFor('test', 'alert-1'), drawsFor('test', 'alert-1'));
    assert.notDeepEqual(drawsFor('other', 'alert-1'), drawsFor('test', 'alert-1'));
  });

  it('gives uniform, independent draws per stratum', () => {
    const n = 20_000;
    let random = 0;
    let borderline = 0;
    let both = 0;
    for (let i = 0; i < n; i++) {
      const d = drawsFor('uniformity', `a-${i}`);
      assert.ok(d.random >= 0 && d.random < 1 && d.borderline >= 0 && d.borderline < 1);
      random += d.random < 0.2 ? 1 : 0;
      borderline += d.borderline < 0.5 ? 1 : 0;
      both += d.random < 0.2 && d.borderline < 0.5 ? 1 : 0;
    }
    // Binomial standard deviations: 57, 71 and 49 of 20,000; 4.5 of them leaves one false failure in ~150,000.
    assert.ok(Math.abs(random - 0.2 * n) < 4.5 * Math.sqrt(n * 0.2 * 0.8), `random ${random}`);
    assert.ok(Math.abs(borderline - 0.5 * n) < 4.5 * Math.sqrt(n * 0.25), `borderline ${borderline}`);
    assert.ok(Math.abs(both - 0.1 * n) < 4.5 * Math.sqrt(n * 0.1 * 0.9), `both ${both}`);
  });
});

describe('decide', () => {
  const never = { random: 0.999, borderline: 0.999 };
  const randomFires = { random: 0.05, borderline: 0.999 };
  const borderlineFires = { random: 0.5, borderline: 0.2 };
  const bothFire = { random: 0.05, borderline: 0.2 };

  it('requests every UNSURE with π = 1, whatever the draws', () => {
    assert.deepEqual(decide(score('UNSURE', 0.92), policy, never), { reason: 'UNSURE', inclusionProbability: 1 });
    assert.deepEqual(decide(score('UNSURE', null), { ...policy, randomRate: 0 }, never), {
      reason: 'UNSURE',
      inclusionProbability: 1,
    });
  });

  it('never requests a MISSING score', () => {
    assert.equal(decide(score('MISSING', null), { ...policy, randomRate: 1 }, bothFire), null);
  });

  it('outside the band: RANDOM only, π = r', () => {
    assert.deepEqual(decide(score('NORMAL', 0.5), policy, randomFires), {
      reason: 'RANDOM',
      inclusionProbability: 0.1,
    });
    assert.equal(decide(score('NORMAL', 0.5), policy, borderlineFires), null, 'the borderline draw does not apply');
    assert.deepEqual(decide(score('ANOMALY', null), policy, randomFires), {
      reason: 'RANDOM',
      inclusionProbability: 0.1,
    });
  });

  it('inside the band: π is the union 1 − (1 − r)(1 − b), the first reason in order is recorded', () => {
    const union = 1 - (1 - 0.1) * (1 - 0.3);
    for (const calibrated of [0.935, 0.95, 0.965]) {
      const s = score(calibrated >= 0.95 ? 'ANOMALY' : 'NORMAL', calibrated);
      assert.deepEqual(stratumRates(s, policy), { random: 0.1, borderline: 0.3 });
      const both = decide(s, policy, bothFire);
      assert.equal(both?.reason, 'RANDOM', 'RANDOM is checked before BORDERLINE');
      assert.ok(Math.abs((both?.inclusionProbability ?? 0) - union) < 1e-15);
      assert.equal(decide(s, policy, borderlineFires)?.reason, 'BORDERLINE');
      assert.equal(decide(s, policy, never), null);
    }
    assert.equal(stratumRates(score('NORMAL', 0.929), policy).borderline, 0, 'just outside the band');
  });

  it('rates 0 and 1 mean never and always', () => {
    const none = { seed: 's', randomRate: 0, borderline: { rate: 0, halfWidth: 1 } };
    const all = { seed: 's', randomRate: 1, borderline: { rate: 0, halfWidth: 0 } };
    assert.equal(decide(score('ANOMALY', 0.99), none, { random: 0, borderline: 0 }), null);
    assert.deepEqual(decide(score('NORMAL', 0.1), all, { random: 0.9999999, borderline: 0.9 }), {
      reason: 'RANDOM',
      inclusionProbability: 1,
    });
  });

  it('realises the recorded π: over many alerts, the requested share of each stratum is its π', () => {
    const n = 40_000;
    const inBand = score('NORMAL', 0.94);
    const outside = score('NORMAL', 0.2);
    let inside = 0;
    let out = 0;
    for (let i = 0; i < n; i++) {
      const draws = drawsFor(policy.seed, `alert-${i}`);
      if (decide(inBand, policy, draws)) inside++;
      if (decide(outside, policy, draws)) out++;
    }
    const union = 0.37;
    assert.ok(Math.abs(inside / n - union) < 4.5 * Math.sqrt((union * (1 - union)) / n), `in band ${inside / n}`);
    assert.ok(Math.abs(out / n - 0.1) < 4.5 * Math.sqrt((0.1 * 0.9) / n), `outside ${out / n}`);
  });
});

describe('requestIdOf', () => {
  it('is 32 hex digits, fixed by (alert, model, version, alias) and different for each', () => {
    const id = requestIdOf('a-1', 'pump', '3', 'published');
    assert.match(id, /^[0-9a-f]{32}$/);
    assert.equal(id, requestIdOf('a-1', 'pump', '3', 'published'));
    const others = [
      requestIdOf('a-2', 'pump', '3', 'published'),
      requestIdOf('a-1', 'pump2', '3', 'published'),
      requestIdOf('a-1', 'pump', '4', 'published'),
      requestIdOf('a-1', 'pump', '3', 'challenger'),
    ];
    assert.equal(new Set([id, ...others]).size, 5);
  });
});
