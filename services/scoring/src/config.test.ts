import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseScoringConfig } from './config.ts';

describe('scoring config', () => {
  it('parses model@alias lists and durations, with the documented defaults', () => {
    const config = parseScoringConfig({
      SCORING_MODELS: ' skab-envelope@published, skab-envelope@challenger ,skab-rules@published,',
      SCORING_MODULE_TIMEOUT: '750ms',
    });
    assert.deepEqual(config.SCORING_MODELS, [
      { model: 'skab-envelope', alias: 'published' },
      { model: 'skab-envelope', alias: 'challenger' },
      { model: 'skab-rules', alias: 'published' },
    ]);
    assert.equal(config.SCORING_MODULE_TIMEOUT, 750);
    assert.equal(config.SCORING_POLL_INTERVAL, 5_000);
    assert.equal(config.SCORING_METRICS_PORT, 9403);
    assert.equal(config.SCORING_CACHE_DIR, '.vigil/scoring-cache');
    assert.equal(config.SCORING_ISOLATION, 'thread');
    assert.equal(config.SCORING_FAULTS.size, 0);
    assert.ok(Object.isFrozen(config));
  });

  it('defaults to the four reference modules as the demo registers them: two published, two challengers', () => {
    assert.deepEqual(
      parseScoringConfig({}).SCORING_MODELS.map((r) => `${r.model}@${r.alias}`),
      ['skab-predictive@published', 'skab-rules@published', 'skab-envelope@challenger', 'skab-iforest@challenger'],
    );
  });

  it('reports every bad setting at once', () => {
    assert.throws(
      () =>
        parseScoringConfig({
          SCORING_MODELS: 'no-alias,a@b,a@b,@x,m@bad alias',
          SCORING_MODULE_TIMEOUT: 'soon',
          SCORING_ISOLATION: 'vm',
        }),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'VIGIL_CONFIG_INVALID');
        for (const part of [
          '"no-alias" is not model@alias',
          'a@b is listed twice',
          '"@x"',
          'bad alias',
          'soon',
          'SCORING_ISOLATION',
        ])
          assert.ok(error.message.includes(part), `${part} in ${error.message}`);
        return true;
      },
    );
    assert.throws(() => parseScoringConfig({ SCORING_MODELS: ' , ' }), {
      code: 'VIGIL_CONFIG_INVALID',
      message: /no model@alias given/,
    });
  });

  it('takes fault injection only with VIGIL_FAULT_INJECTION=1, and only for configured models', () => {
    const env = { SCORING_MODELS: 'good@published,bad@published', SCORING_FAULTS: 'bad@published=hang' };
    assert.throws(() => parseScoringConfig(env), { code: 'VIGIL_CONFIG_INVALID', message: /VIGIL_FAULT_INJECTION=1/ });
    const config = parseScoringConfig({ ...env, VIGIL_FAULT_INJECTION: '1' });
    assert.deepEqual([...config.SCORING_FAULTS], [['bad@published', 'hang']]);
    assert.throws(
      () => parseScoringConfig({ ...env, VIGIL_FAULT_INJECTION: '1', SCORING_FAULTS: 'other@published=crash' }),
      { code: 'VIGIL_CONFIG_INVALID', message: /other@published is not in SCORING_MODELS/ },
    );
    assert.throws(
      () => parseScoringConfig({ ...env, VIGIL_FAULT_INJECTION: '1', SCORING_FAULTS: 'bad@published=explode' }),
      {
        code: 'VIGIL_CONFIG_INVALID',
        message: /"explode" is not one of hang, crash, throw, oom, hang-once, crash-once/,
      },
    );
  });
});
