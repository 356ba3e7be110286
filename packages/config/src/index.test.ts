import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isVigilError } from '@vigil/errors';
import {
  booleanFromEnv,
  connectionEnv,
  durationFromEnv,
  intFromEnv,
  listFromEnv,
  parseConfig,
  parseDurationMs,
} from './index.ts';

describe('parseConfig', () => {
  const shape = {
    ...connectionEnv,
    WAIT: durationFromEnv.default(1000),
    BATCH: intFromEnv(1, 100).default(10),
    ON: booleanFromEnv.default(false),
    NAMES: listFromEnv.default([]),
  };

  it('applies loopback defaults and parses typed values', () => {
    const config = parseConfig(shape, { WAIT: '5m', BATCH: '7', ON: 'true', NAMES: 'a, b,,c' });
    assert.equal(config.KAFKA_BROKERS, '127.0.0.1:9092');
    assert.equal(config.WAIT, 300_000);
    assert.equal(config.BATCH, 7);
    assert.equal(config.ON, true);
    assert.deepEqual(config.NAMES, ['a', 'b', 'c']);
    assert.ok(Object.isFrozen(config));
  });

  it('reports every problem at once with VIGIL_CONFIG_INVALID', () => {
    assert.throws(
      () => parseConfig(shape, { WAIT: 'soon', BATCH: '0', ON: 'yes', SCHEMA_REGISTRY_URL: 'not a url' }),
      (error: unknown) => {
        assert.ok(isVigilError(error, 'VIGIL_CONFIG_INVALID'));
        const keys = (error.context.issues as { key: string }[]).map((i) => i.key).sort();
        assert.deepEqual(keys, ['BATCH', 'ON', 'SCHEMA_REGISTRY_URL', 'WAIT']);
        assert.match(error.message, /WAIT: "soon" is not a duration/);
        return true;
      },
    );
  });
});

describe('parseDurationMs', () => {
  it('reads units and bare milliseconds', () => {
    assert.equal(parseDurationMs('250'), 250);
    assert.equal(parseDurationMs('1.5s'), 1500);
    assert.equal(parseDurationMs('30d'), 2_592_000_000);
    assert.equal(parseDurationMs('-1s'), undefined);
    assert.equal(parseDurationMs('5 minutes'), undefined);
  });
});
