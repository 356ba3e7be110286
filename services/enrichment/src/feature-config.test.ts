import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_SETTINGS, FeatureConfig } from './feature-config.ts';

describe('FeatureConfig', () => {
  it('uses the built-in defaults for every source without a file', () => {
    const config = FeatureConfig.load(undefined);
    assert.equal(config.forSource('anything'), DEFAULT_SETTINGS);
    assert.deepEqual(DEFAULT_SETTINGS.season, { lengthMs: 86_400_000, slots: 24, resolutionMs: 3_600_000 });
  });

  it('layers built-in defaults, the default block and a source block', () => {
    const config = FeatureConfig.parse({
      default: { windowSize: 30, ewma: { ewma: 0.2, ewma_slow: 0.01 } },
      sources: {
        hourly: { season: { length: '7d', slots: 168 }, maxLateness: '2h', signals: ['cpu'] },
        flat: { season: null, minStd: 0.5 },
      },
    });
    const other = config.forSource('other');
    assert.equal(other.windowSize, 30);
    assert.deepEqual(other.ewma, [
      { name: 'ewma', alpha: 0.2 },
      { name: 'ewma_slow', alpha: 0.01 },
    ]);
    assert.equal(other.maxLatenessMs, DEFAULT_SETTINGS.maxLatenessMs);
    const hourly = config.forSource('hourly');
    assert.equal(hourly.windowSize, 30);
    assert.deepEqual(hourly.season, { lengthMs: 7 * 86_400_000, slots: 168, resolutionMs: 3_600_000 });
    assert.equal(hourly.maxLatenessMs, 7_200_000);
    assert.deepEqual(hourly.signals, ['cpu']);
    assert.equal(config.forSource('flat').season, null);
    assert.equal(config.forSource('flat').minStd, 0.5);
    assert.deepEqual(config.sourceNames(), ['hourly', 'flat']);
    assert.ok(Object.isFrozen(hourly));
  });

  it('reports every problem of an invalid document at once', () => {
    assert.throws(
      () =>
        FeatureConfig.parse({
          default: { windowSize: 1, ewma: { smooth: 0.5 }, rateAlpha: 0 },
          sources: {
            a: { season: { length: '1h', slots: 7 }, maxLateness: 'soon', unknown: 1 },
            b: { ewma: { ewma: 0.1, ewma_x: 0.1 } },
          },
        }),
      (error: unknown) => {
        const issues = (error as { code: string; context: { issues: { key: string }[] } }).context.issues;
        assert.equal((error as { code: string }).code, 'VIGIL_CONFIG_INVALID');
        const keys = issues.map((i) => i.key);
        for (const key of [
          'default.windowSize',
          'default.ewma.smooth',
          'default.rateAlpha',
          'sources.a.season',
          'sources.a.maxLateness',
          'sources.a',
          'sources.b.ewma',
        ]) {
          assert.ok(keys.includes(key), `${key} reported among ${keys.join(', ')}`);
        }
        return true;
      },
    );
  });

  it('fails with VIGIL_CONFIG_INVALID on a missing or malformed file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-enrichment-'));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ "default": ');
    assert.throws(() => FeatureConfig.load(join(dir, 'missing.json')), { code: 'VIGIL_CONFIG_INVALID' });
    assert.throws(() => FeatureConfig.load(bad), { code: 'VIGIL_CONFIG_INVALID' });
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ sources: { skab: { windowSize: 120 } } }));
    assert.equal(FeatureConfig.load(good).forSource('skab').windowSize, 120);
  });
});
