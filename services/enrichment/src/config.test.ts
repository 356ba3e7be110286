import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '@vigil/config';
import { isVigilError } from '@vigil/errors';
import { enrichmentEnv } from './config.ts';

describe('enrichmentEnv', () => {
  it('has the documented defaults', () => {
    const config = parseConfig(enrichmentEnv, {});
    assert.equal(config.ENRICHMENT_GROUP_ID, 'vigil-enrichment');
    assert.equal(config.ENRICHMENT_METRICS_PORT, 9402);
    assert.equal(config.ENRICHMENT_STATE_TTL, 7 * 86_400_000);
    assert.equal(config.ENRICHMENT_SNAPSHOT_TTL, 3_600_000);
    assert.equal(config.ENRICHMENT_CONFIG, undefined);
    assert.equal(config.ENRICHMENT_REDIS_PREFIX, 'vigil:enrich:');
  });

  it('reads durations and reports every bad value at once', () => {
    assert.equal(parseConfig(enrichmentEnv, { ENRICHMENT_STATE_TTL: '2d' }).ENRICHMENT_STATE_TTL, 172_800_000);
    assert.throws(
      () =>
        parseConfig(enrichmentEnv, {
          ENRICHMENT_STATE_TTL: 'forever',
          ENRICHMENT_METRICS_PORT: '70000',
          ENRICHMENT_MAX_RECORDS_PER_CALL: '0',
        }),
      (error: unknown) => {
        assert.ok(isVigilError(error, 'VIGIL_CONFIG_INVALID'));
        const keys = (error.context.issues as { key: string }[]).map((i) => i.key);
        assert.deepEqual(keys.sort(), [
          'ENRICHMENT_MAX_RECORDS_PER_CALL',
          'ENRICHMENT_METRICS_PORT',
          'ENRICHMENT_STATE_TTL',
        ]);
        return true;
      },
    );
  });
});
