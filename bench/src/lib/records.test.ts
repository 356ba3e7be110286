import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateTelemetry } from '@vigil/ingest';
import { jsonMessages, meanBytes, telemetryRecords } from './records.ts';

const now = Date.UTC(2024, 5, 1);
const policy = { now, maxAgeMs: 30 * 86_400_000, maxFutureMs: 300_000, maxSignals: 512, maxTextLength: 1024 };

describe('telemetryRecords', () => {
  it('makes ~300-byte JSON records that ingest accepts, with unique ids, keyed by entity', () => {
    const records = telemetryRecords(5_000, { idPrefix: 'bench-test', now });
    const messages = jsonMessages(records);
    const mean = meanBytes(messages);
    assert.ok(mean > 280 && mean < 320, `mean size ${mean}`);
    assert.equal(new Set(records.map((r) => r.id)).size, records.length);
    for (const [i, message] of messages.entries()) {
      const validation = validateTelemetry(JSON.parse(message.value.toString('utf8')), policy);
      assert.ok(validation.ok, `record ${i}: ${JSON.stringify(validation)}`);
      assert.equal(validation.telemetry.id, records[i]?.id);
      assert.equal(message.key, records[i]?.entity);
    }
  });

  it('gives the same records for the same options', () => {
    const options = { idPrefix: 'same', now, seed: 7 };
    assert.deepEqual(telemetryRecords(50, options), telemetryRecords(50, options));
    assert.notDeepEqual(telemetryRecords(50, options), telemetryRecords(50, { ...options, seed: 8 }));
  });
});
