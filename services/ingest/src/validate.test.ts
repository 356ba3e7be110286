import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deriveId, parseEventTime, type ValidationPolicy, validateTelemetry } from './validate.ts';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const policy: ValidationPolicy = {
  now: NOW,
  maxAgeMs: 86_400_000,
  maxFutureMs: 300_000,
  maxSignals: 4,
  maxTextLength: 16,
};
const good = {
  id: 'a-1',
  source: 'skab',
  entity: 'pump-1',
  ts: NOW - 1000,
  values: { temp: 21.5 },
  attrs: { site: 'x' },
};

function codeOf(input: unknown): string {
  const result = validateTelemetry(input, policy);
  return result.ok ? 'OK' : result.code;
}

describe('validateTelemetry', () => {
  it('accepts the brief input shape and keeps every field', () => {
    const result = validateTelemetry(good, policy);
    assert.deepEqual(result, { ok: true, telemetry: good, droppedNulls: 0 });
  });

  it('accepts RFC 3339 times with offsets and reads them as event time', () => {
    const result = validateTelemetry({ ...good, ts: '2026-01-01T13:59:00+02:00' }, policy);
    assert.ok(result.ok);
    assert.equal(result.telemetry.ts, Date.parse('2026-01-01T11:59:00Z'));
  });

  it('names each data-quality problem with its own code', () => {
    assert.equal(codeOf([1, 2]), 'VIGIL_INGEST_INVALID_FIELD');
    assert.equal(codeOf({ ...good, source: undefined }), 'VIGIL_INGEST_INVALID_FIELD');
    assert.equal(codeOf({ ...good, entity: 42 }), 'VIGIL_INGEST_INVALID_FIELD');
    assert.equal(codeOf({ ...good, entity: 'x'.repeat(17) }), 'VIGIL_INGEST_INVALID_FIELD');
    assert.equal(codeOf({ ...good, ts: undefined }), 'VIGIL_INGEST_INVALID_FIELD');
    assert.equal(codeOf({ ...good, ts: 'yesterday' }), 'VIGIL_INGEST_INVALID_FIELD');
    assert.equal(codeOf({ ...good, ts: 1.5 }), 'VIGIL_INGEST_INVALID_FIELD');
    assert.equal(codeOf({ ...good, values: { temp: '21' } }), 'VIGIL_INGEST_INVALID_FIELD');
    assert.equal(codeOf({ ...good, values: [1] }), 'VIGIL_INGEST_INVALID_FIELD');
    assert.equal(codeOf({ ...good, values: { a: 1, b: 2, c: 3, d: 4, e: 5 } }), 'VIGIL_INGEST_INVALID_FIELD');
    assert.equal(codeOf({ ...good, attrs: { sev: 3 } }), 'VIGIL_INGEST_INVALID_FIELD');
    assert.equal(codeOf({ ...good, values: { temp: Number.POSITIVE_INFINITY } }), 'VIGIL_INGEST_NON_FINITE');
    assert.equal(codeOf({ ...good, values: { temp: Number.NaN } }), 'VIGIL_INGEST_NON_FINITE');
    assert.equal(codeOf({ ...good, ts: NOW - 86_400_001 }), 'VIGIL_INGEST_TS_TOO_OLD');
    assert.equal(codeOf({ ...good, ts: NOW + 300_001 }), 'VIGIL_INGEST_TS_IN_FUTURE');
  });

  it('drops null signals as missing readings and counts them', () => {
    const result = validateTelemetry({ ...good, values: { temp: null, flow: 2 } }, policy);
    assert.ok(result.ok);
    assert.deepEqual(result.telemetry.values, { flow: 2 });
    assert.equal(result.droppedNulls, 1);
  });

  it('derives a stable id from content when the producer sent none', () => {
    const first = validateTelemetry({ ...good, id: undefined }, policy);
    const again = validateTelemetry({ ...good, id: null, values: { temp: 21.5 } }, policy);
    const other = validateTelemetry({ ...good, id: undefined, values: { temp: 21.6 } }, policy);
    assert.ok(first.ok && again.ok && other.ok);
    assert.equal(first.telemetry.id, again.telemetry.id);
    assert.notEqual(first.telemetry.id, other.telemetry.id);
    assert.equal(first.telemetry.id, deriveId('skab', 'pump-1', NOW - 1000, { temp: 21.5 }, { site: 'x' }));
  });
});

describe('parseEventTime', () => {
  it('reads epoch milliseconds and RFC 3339, and nothing else', () => {
    assert.equal(parseEventTime(1_700_000_000_000), 1_700_000_000_000);
    assert.equal(parseEventTime('2020-03-09T10:14:33Z'), Date.parse('2020-03-09T10:14:33Z'));
    assert.equal(parseEventTime('2020-03-09 10:14:33.5Z'), Date.parse('2020-03-09T10:14:33.5Z'));
    assert.equal(parseEventTime('2020-03-09'), undefined);
    assert.equal(parseEventTime('1700000000000'), undefined);
    assert.equal(parseEventTime(-1), undefined);
  });
});
