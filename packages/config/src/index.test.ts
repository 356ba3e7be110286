import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { isVigilError } from '@vigil/errors';
import {
  booleanFromEnv,
  configInvalid,
  configIssues,
  connectionEnv,
  durationFromEnv,
  durationFromFile,
  httpEnv,
  httpSettings,
  intFromEnv,
  listFromEnv,
  loadConfigOrExit,
  parseConfig,
  parseDurationMs,
  stageEnv,
  stageSettings,
  z,
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

describe('config files', () => {
  it('takes durations as text or whole milliseconds', () => {
    assert.equal(durationFromFile.parse('2h'), 7_200_000);
    assert.equal(durationFromFile.parse(1500), 1500);
    assert.equal(durationFromFile.safeParse(-1).success, false);
    assert.equal(durationFromFile.safeParse('soon').success, false);
  });

  it('lists every problem of a file under its dotted path', () => {
    const file = z.object({ models: z.record(z.string(), z.object({ every: durationFromFile, k: z.number() })) });
    const result = file.safeParse({ models: { a: { every: 'soon', k: 'x' } } });
    assert.equal(result.success, false);
    const error = configInvalid(configIssues(result.error, 'rules'), 'demo rules');
    assert.ok(isVigilError(error, 'VIGIL_CONFIG_INVALID'));
    assert.equal(
      error.message,
      'invalid demo rules:\n' +
        '  rules.models.a.every: "soon" is not a duration such as 500ms, 30s, 5m, 2h or 30d\n' +
        '  rules.models.a.k: Invalid input: expected number, received string',
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

describe('stageEnv', () => {
  const shape = { ...stageEnv('DEMO_STAGE', { metricsPort: 9499 }), DEMO_STAGE_OWN: intFromEnv(1, 9).default(3) };

  it("names every stage setting under the prefix, with the shared defaults and the stage's own", () => {
    assert.deepEqual(Object.keys(shape).sort(), [
      'DEMO_STAGE_CLIENT_ID',
      'DEMO_STAGE_GROUP_ID',
      'DEMO_STAGE_MAX_BATCH_RECORDS',
      'DEMO_STAGE_METRICS_HOST',
      'DEMO_STAGE_METRICS_PORT',
      'DEMO_STAGE_OWN',
      'DEMO_STAGE_RETRY_INITIAL',
      'DEMO_STAGE_RETRY_MAX',
      'DEMO_STAGE_SESSION_TIMEOUT',
      'DEMO_STAGE_SHUTDOWN_GRACE',
      'KAFKA_BROKERS',
      'LOG_LEVEL',
      'SCHEMA_REGISTRY_URL',
    ]);
    const config = parseConfig(shape, {});
    assert.deepEqual(stageSettings(config, 'DEMO_STAGE'), {
      brokers: '127.0.0.1:9092',
      registryUrl: 'http://127.0.0.1:8081/apis/ccompat/v7',
      logLevel: 'info',
      groupId: 'vigil-demo-stage',
      clientId: 'vigil-demo-stage',
      maxBatchRecords: 5_000,
      retry: { initialMs: 200, maxMs: 10_000 },
      sessionTimeoutMs: 30_000,
      health: { host: '127.0.0.1', port: 9499 },
      graceMs: 15_000,
    });
    assert.equal(config.DEMO_STAGE_OWN, 3);
    const small = parseConfig(stageEnv('SMALL', { metricsPort: 1, maxBatchRecords: 1_000 }), {});
    assert.equal(stageSettings(small, 'SMALL').maxBatchRecords, 1_000);
  });

  it('reads the prefixed variables, durations in milliseconds', () => {
    const config = parseConfig(shape, {
      KAFKA_BROKERS: 'a:1,b:2',
      LOG_LEVEL: 'debug',
      DEMO_STAGE_GROUP_ID: 'g',
      DEMO_STAGE_CLIENT_ID: 'c',
      DEMO_STAGE_MAX_BATCH_RECORDS: '42',
      DEMO_STAGE_RETRY_INITIAL: '1s',
      DEMO_STAGE_RETRY_MAX: '2m',
      DEMO_STAGE_SESSION_TIMEOUT: '45s',
      DEMO_STAGE_METRICS_HOST: '0.0.0.0',
      DEMO_STAGE_METRICS_PORT: '0',
      DEMO_STAGE_SHUTDOWN_GRACE: '500ms',
      // Another stage's variables are not this one's.
      OTHER_METRICS_PORT: 'abc',
    });
    assert.deepEqual(stageSettings(config, 'DEMO_STAGE'), {
      brokers: 'a:1,b:2',
      registryUrl: 'http://127.0.0.1:8081/apis/ccompat/v7',
      logLevel: 'debug',
      groupId: 'g',
      clientId: 'c',
      maxBatchRecords: 42,
      retry: { initialMs: 1_000, maxMs: 120_000 },
      sessionTimeoutMs: 45_000,
      health: { host: '0.0.0.0', port: 0 },
      graceMs: 500,
    });
  });

  it('reports every bad stage value at once', () => {
    assert.throws(
      () =>
        parseConfig(shape, {
          LOG_LEVEL: 'loud',
          DEMO_STAGE_GROUP_ID: '',
          DEMO_STAGE_MAX_BATCH_RECORDS: '0',
          DEMO_STAGE_RETRY_MAX: 'later',
          DEMO_STAGE_METRICS_PORT: 'abc',
          DEMO_STAGE_OWN: '10',
        }),
      (error: unknown) => {
        assert.ok(isVigilError(error, 'VIGIL_CONFIG_INVALID'));
        const keys = (error.context.issues as { key: string }[]).map((i) => i.key).sort();
        assert.deepEqual(keys, [
          'DEMO_STAGE_GROUP_ID',
          'DEMO_STAGE_MAX_BATCH_RECORDS',
          'DEMO_STAGE_METRICS_PORT',
          'DEMO_STAGE_OWN',
          'DEMO_STAGE_RETRY_MAX',
          'LOG_LEVEL',
        ]);
        assert.match(error.message, /DEMO_STAGE_RETRY_MAX: "later" is not a duration/);
        return true;
      },
    );
  });
});

describe('parseConfig check', () => {
  const shape = { LOW: intFromEnv(0, 100).default(1), HIGH: intFromEnv(0, 100).default(2) };
  const check = (config: { LOW: number; HIGH: number }) =>
    config.LOW <= config.HIGH ? [] : [{ key: 'LOW', message: `must not exceed HIGH (${config.HIGH})` }];

  it('reports cross-setting problems like field problems', () => {
    assert.equal(parseConfig(shape, { LOW: '5', HIGH: '7' }, { check }).LOW, 5);
    assert.throws(
      () => parseConfig(shape, { LOW: '9', HIGH: '7' }, { check }),
      (error: unknown) => {
        assert.ok(isVigilError(error, 'VIGIL_CONFIG_INVALID'));
        assert.equal(error.message, 'invalid configuration:\n  LOW: must not exceed HIGH (7)');
        assert.deepEqual(error.context.issues, [{ key: 'LOW', message: 'must not exceed HIGH (7)' }]);
        return true;
      },
    );
  });

  it('runs only once every field parsed: a bad field is reported alone', () => {
    let calls = 0;
    assert.throws(
      () =>
        parseConfig(
          shape,
          { LOW: 'x' },
          {
            check: () => {
              calls++;
              return [];
            },
          },
        ),
      { code: 'VIGIL_CONFIG_INVALID', message: /LOW/ },
    );
    assert.equal(calls, 0);
  });
});

describe('loadConfigOrExit', () => {
  it('prints every problem to stderr and exits 2', () => {
    const shape = stageEnv('DEMO', { metricsPort: 9499 });
    const exit = mock.method(process, 'exit', () => {
      throw new Error('exited');
    });
    const write = mock.method(process.stderr, 'write', () => true);
    try {
      assert.throws(() => loadConfigOrExit(shape, { DEMO_METRICS_PORT: 'abc', DEMO_RETRY_INITIAL: 'x' }), /exited/);
    } finally {
      mock.restoreAll();
    }
    assert.deepEqual(
      exit.mock.calls.map((c) => c.arguments),
      [[2]],
    );
    const written = write.mock.calls.map((c) => String(c.arguments[0])).join('');
    assert.match(written, /^invalid configuration:\n {2}DEMO_RETRY_INITIAL: .*\n {2}DEMO_METRICS_PORT: /);
  });
});

describe('httpEnv', () => {
  const shape = { ...httpEnv('DEMO_API', { port: 9499 }), DEMO_API_OWN: intFromEnv(1, 9).default(3) };

  it('names every HTTP setting under the prefix, with the shared defaults', () => {
    assert.deepEqual(Object.keys(shape).sort(), [
      'DEMO_API_BODY_LIMIT',
      'DEMO_API_HOST',
      'DEMO_API_OWN',
      'DEMO_API_PORT',
      'DEMO_API_SHUTDOWN_GRACE',
      'LOG_LEVEL',
    ]);
    assert.deepEqual(httpSettings(parseConfig(shape, {}), 'DEMO_API'), {
      logLevel: 'info',
      host: '127.0.0.1',
      port: 9499,
      bodyLimit: 1_048_576,
      graceMs: 15_000,
    });
  });

  it('reads the prefixed variables and reports every bad one', () => {
    const config = parseConfig(shape, {
      DEMO_API_PORT: '0',
      DEMO_API_BODY_LIMIT: '4096',
      DEMO_API_SHUTDOWN_GRACE: '2s',
    });
    assert.deepEqual(httpSettings(config, 'DEMO_API'), {
      logLevel: 'info',
      host: '127.0.0.1',
      port: 0,
      bodyLimit: 4096,
      graceMs: 2_000,
    });
    assert.throws(
      () => parseConfig(shape, { DEMO_API_PORT: '70000', DEMO_API_BODY_LIMIT: '10' }),
      (error: unknown) => {
        assert.ok(isVigilError(error, 'VIGIL_CONFIG_INVALID'));
        const keys = (error.context.issues as { key: string }[]).map((i) => i.key).sort();
        assert.deepEqual(keys, ['DEMO_API_BODY_LIMIT', 'DEMO_API_PORT']);
        return true;
      },
    );
  });
});
