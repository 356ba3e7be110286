import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deadLetterHeaders, formatJson, formatText, type TailRecord } from './format.ts';

const letter: TailRecord = {
  topic: 'telemetry.raw.dlq',
  partition: 1,
  offset: '12',
  timestamp: Date.UTC(2026, 0, 2, 3, 4, 5),
  key: 'pump-1',
  headers: {
    trace: 'abc',
    'vigil.failed.at': '2026-01-02T03:04:05.000Z',
    'vigil.error.code': 'VIGIL_INGEST_MALFORMED_JSON',
    'vigil.error.stage': 'ingest',
  },
  value: { encoding: 'text', text: '{"bad"' },
};

describe('format', () => {
  it('picks the dead-letter headers in the documented order', () => {
    assert.deepEqual(deadLetterHeaders(letter.headers), [
      ['vigil.error.code', 'VIGIL_INGEST_MALFORMED_JSON'],
      ['vigil.error.stage', 'ingest'],
      ['vigil.failed.at', '2026-01-02T03:04:05.000Z'],
    ]);
    assert.deepEqual(deadLetterHeaders({ trace: 'abc' }), []);
  });

  it('prints a record as a located header line, its headers aligned (dead letter first) and its value', () => {
    assert.equal(
      formatText(letter),
      [
        '── telemetry.raw.dlq [1] @12  2026-01-02T03:04:05.000Z  key pump-1',
        '  vigil.error.code   VIGIL_INGEST_MALFORMED_JSON',
        '  vigil.error.stage  ingest',
        '  vigil.failed.at    2026-01-02T03:04:05.000Z',
        '  trace              abc',
        '  value (text): {"bad"',
        '',
      ].join('\n'),
    );
    assert.equal(
      formatText({ ...letter, key: null, headers: {}, value: { encoding: 'avro', schemaId: 3, value: { id: 'x' } } }),
      '── telemetry.raw.dlq [1] @12  2026-01-02T03:04:05.000Z  no key\n  value (Avro, schema id 3): {"id":"x"}\n',
    );
  });

  it('prints one JSON line with the dead-letter headers by their short names', () => {
    assert.deepEqual(JSON.parse(formatJson(letter)), {
      topic: 'telemetry.raw.dlq',
      partition: 1,
      offset: '12',
      timestamp: '2026-01-02T03:04:05.000Z',
      key: 'pump-1',
      headers: letter.headers,
      deadLetter: { code: 'VIGIL_INGEST_MALFORMED_JSON', stage: 'ingest', failedAt: '2026-01-02T03:04:05.000Z' },
      value: { encoding: 'text', text: '{"bad"' },
    });
    assert.equal(JSON.parse(formatJson({ ...letter, headers: {} })).deadLetter, undefined);
  });
});
