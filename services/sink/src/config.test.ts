import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '@vigil/config';
import { sinkEnv } from './config.ts';

describe('sink config', () => {
  it('has a loopback default for everything', () => {
    const config = parseConfig(sinkEnv, {});
    assert.equal(config.DATABASE_URL, 'postgres://vigil:vigil@127.0.0.1:5432/vigil');
    assert.equal(config.SINK_DB_SCHEMA, 'public');
    assert.equal(config.SINK_MIGRATE, true);
    assert.equal(config.SINK_WRITE_METHOD, 'auto');
    assert.equal(config.SINK_COPY_THRESHOLD_ROWS, 500);
    assert.equal(config.SINK_METRICS_PORT, 9406);
    assert.equal(config.SINK_DB_STATEMENT_TIMEOUT, 60_000);
  });

  it('reports every bad value at once', () => {
    assert.throws(
      () =>
        parseConfig(sinkEnv, {
          SINK_DB_SCHEMA: 'Robert"); DROP',
          SINK_WRITE_METHOD: 'fast',
          SINK_MIGRATE: 'yes',
          SINK_METRICS_PORT: '70000',
        }),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'VIGIL_CONFIG_INVALID');
        for (const key of ['SINK_DB_SCHEMA', 'SINK_WRITE_METHOD', 'SINK_MIGRATE', 'SINK_METRICS_PORT']) {
          assert.match(error.message, new RegExp(key));
        }
        return true;
      },
    );
  });
});
