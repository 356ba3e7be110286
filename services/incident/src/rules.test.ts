import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isVigilError } from '@vigil/errors';
import { compileIncidentRules, loadIncidentRules } from './rules.ts';

describe('compileIncidentRules', () => {
  it('compiles the built-in defaults with durations in milliseconds', () => {
    const rules = compileIncidentRules();
    assert.deepEqual(rules.defaults, {
      k: 3,
      n: 5,
      observationMs: 600_000,
      updateEveryMs: 300_000,
      reminderPeriodMs: 3_600_000,
      quietPeriodMs: 600_000,
      suppressionPeriodMs: 1_800_000,
      severity: { medium: 0.99, high: 0.999, critical: 1 },
      maxAlertIds: 500,
      maxContributors: 5,
    });
    assert.equal(rules.ruleFor('anything'), rules.defaults);
    assert.ok(Object.isFrozen(rules.defaults));
  });

  it('layers file defaults and per-model entries over the built-in defaults', () => {
    const rules = compileIncidentRules({
      defaults: { quietPeriod: '30m', severity: { critical: 0.9999 } },
      models: { 'skab-envelope': { k: 1, n: 1, reminderPeriod: null, updateEvery: 0 } },
    });
    assert.equal(rules.defaults.quietPeriodMs, 1_800_000);
    assert.deepEqual(rules.defaults.severity, { medium: 0.99, high: 0.999, critical: 0.9999 });
    const envelope = rules.ruleFor('skab-envelope');
    assert.deepEqual([envelope.k, envelope.n, envelope.reminderPeriodMs, envelope.updateEveryMs], [1, 1, null, 0]);
    assert.equal(envelope.quietPeriodMs, 1_800_000, 'a model entry inherits the file defaults');
  });

  it('reports every problem of every model in one VIGIL_CONFIG_INVALID error', () => {
    assert.throws(
      () =>
        compileIncidentRules({ defaults: { observation: 'soon' }, models: { a: { k: 0 }, b: { maxAlertIds: -1 } } }),
      (e) => {
        assert.ok(isVigilError(e, 'VIGIL_CONFIG_INVALID'));
        assert.match(e.message, /defaults\.observation: "soon" is not a duration/);
        assert.match(e.message, /models\.a\.k:/);
        assert.match(e.message, /models\.b\.maxAlertIds:/);
        return true;
      },
    );
    assert.throws(() => compileIncidentRules({ models: { a: { k: 6, n: 5 } } }), {
      code: 'VIGIL_CONFIG_INVALID',
      message: /models\.a\.k: k must not exceed n/,
    });
    assert.throws(() => compileIncidentRules({ models: { b: { severity: { medium: 0.99, high: 0.5 } } } }), {
      code: 'VIGIL_CONFIG_INVALID',
      message: /models\.b\.severity: severity thresholds must satisfy/,
    });
    assert.throws(() => compileIncidentRules({ models: { c: { treshold: 1 } } }), {
      code: 'VIGIL_CONFIG_INVALID',
      message: /treshold/,
    });
    assert.throws(() => compileIncidentRules({ defaults: { quietPeriod: 0 } }), {
      code: 'VIGIL_CONFIG_INVALID',
      message: /quietPeriod: must be longer than 0/,
    });
  });
});

describe('loadIncidentRules', () => {
  it('reads a JSON file, or uses the defaults without one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-incident-'));
    try {
      const file = join(dir, 'rules.json');
      writeFileSync(file, JSON.stringify({ models: { m: { k: 1, n: 2 } } }));
      assert.equal(loadIncidentRules(file).ruleFor('m').n, 2);
      assert.equal(loadIncidentRules(undefined).defaults.n, 5);
      writeFileSync(file, '{ not json');
      assert.throws(() => loadIncidentRules(file), { code: 'VIGIL_CONFIG_INVALID' });
      assert.throws(() => loadIncidentRules(join(dir, 'missing.json')), { code: 'VIGIL_CONFIG_INVALID' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
