import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isVigilError } from '@vigil/errors';
import { compileFeedbackPolicies, DEFAULT_POLICY, loadFeedbackPolicies } from './policy.ts';

const keysOf = (error: unknown): string[] => {
  assert.ok(isVigilError(error, 'VIGIL_CONFIG_INVALID'), String(error));
  return (error.context.issues as { key: string }[]).map((i) => i.key).sort();
};

describe('feedback policy file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-feedback-policy-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('without a file every model gets the built-in policy', () => {
    const policies = loadFeedbackPolicies(undefined);
    assert.deepEqual(policies.policyFor('any', 'published'), DEFAULT_POLICY);
  });

  it('layers defaults ← model ← model@alias, merging the borderline object', () => {
    const policies = compileFeedbackPolicies({
      defaults: { randomRate: 0.02, borderline: { rate: 0.2 } },
      models: {
        pump: { randomRate: 0.05 },
        'pump@challenger': { borderline: { halfWidth: 0.1 }, seed: 'challenger-own' },
        'fan@shadow': { randomRate: 0 },
      },
    });
    assert.deepEqual(policies.defaults, {
      seed: 'vigil-feedback',
      randomRate: 0.02,
      borderline: { rate: 0.2, halfWidth: 0.02 },
    });
    assert.deepEqual(policies.policyFor('pump', 'published'), {
      seed: 'vigil-feedback',
      randomRate: 0.05,
      borderline: { rate: 0.2, halfWidth: 0.02 },
    });
    assert.deepEqual(policies.policyFor('pump', 'challenger'), {
      seed: 'challenger-own',
      randomRate: 0.05,
      borderline: { rate: 0.2, halfWidth: 0.1 },
    });
    assert.equal(policies.policyFor('fan', 'shadow').randomRate, 0);
    assert.equal(policies.policyFor('fan', 'published').randomRate, 0.02);
    assert.ok(Object.isFrozen(policies.policyFor('pump', 'challenger')));
  });

  it('reports every problem of every entry at once', () => {
    assert.throws(
      () =>
        compileFeedbackPolicies({
          defaults: { randomRate: 1.5 },
          models: { pump: { borderline: { rate: -1, halfWidth: 'wide' } }, 'a@b@c': {}, fan: { seed: '' } },
          extra: true,
        }),
      (error: unknown) => {
        assert.deepEqual(keysOf(error), ['(root)', 'models.a@b@c']);
        return true;
      },
    );
    assert.throws(
      () =>
        compileFeedbackPolicies({
          defaults: { randomRate: 1.5 },
          models: { pump: { borderline: { rate: -1, halfWidth: 'wide', width: 1 } }, fan: { seed: '' } },
        }),
      (error: unknown) => {
        assert.deepEqual(keysOf(error), [
          'defaults.randomRate',
          'models.fan.randomRate',
          'models.fan.seed',
          'models.pump.borderline',
          'models.pump.borderline.halfWidth',
          'models.pump.borderline.rate',
          'models.pump.randomRate',
        ]);
        return true;
      },
    );
  });

  it('a file that cannot be read or is not JSON is a FEEDBACK_POLICY problem', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ not json');
    for (const path of [bad, join(dir, 'missing.json')]) {
      assert.throws(
        () => loadFeedbackPolicies(path),
        (error: unknown) => keysOf(error).join() === 'FEEDBACK_POLICY',
      );
    }
  });

  it('the service exits 2 on a bad file and lists every problem, before connecting to anything', () => {
    const file = join(dir, 'invalid.json');
    writeFileSync(file, JSON.stringify({ defaults: { randomRate: 2 }, models: { pump: { borderline: { rate: 7 } } } }));
    const main = new URL('./main.ts', import.meta.url).pathname;
    const run = spawnSync(process.execPath, ['--import', 'tsx', main], {
      env: { ...process.env, FEEDBACK_POLICY: file, KAFKA_BROKERS: '127.0.0.1:1', REDIS_URL: 'redis://127.0.0.1:1' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /^invalid feedback policy:\n/);
    for (const key of ['defaults.randomRate', 'models.pump.randomRate', 'models.pump.borderline.rate']) {
      assert.ok(run.stderr.includes(`  ${key}: `), `${key} in ${run.stderr}`);
    }
  });
});
