import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkDuplicates, sniffFormat } from './core.ts';

describe('sniffFormat', () => {
  it('tells JSON from Confluent Avro by the first byte', () => {
    assert.equal(sniffFormat(Buffer.from(' \n{"a":1}'), 'auto'), 'JSON');
    assert.equal(sniffFormat(Buffer.from([0, 0, 0, 0, 1, 2]), 'auto'), 'AVRO');
    assert.equal(sniffFormat(Buffer.from([1, 0, 0, 0, 1, 2]), 'auto'), 'AVRO');
    assert.equal(sniffFormat(Buffer.from('hello'), 'auto'), 'JSON');
  });

  it('obeys a forced format and rejects empty records', () => {
    assert.equal(sniffFormat(Buffer.from('{}'), 'avro'), 'AVRO');
    assert.equal(sniffFormat(Buffer.from([0, 1]), 'json'), 'JSON');
    assert.deepEqual(sniffFormat(Buffer.alloc(0), 'auto'), {
      ok: false,
      code: 'VIGIL_INGEST_MALFORMED_JSON',
      message: 'empty record',
    });
  });
});

describe('checkDuplicates', () => {
  it('publishes new ids, skips a replay of the same offset, dead-letters true duplicates', () => {
    const checks = checkDuplicates(
      ['a', 'b', 'c', 'a'],
      ['t/0/1', 't/0/2', 't/0/3', 't/0/4'],
      [null, 't/0/2', 't/1/9', null],
    );
    assert.deepEqual(checks, ['new', 'replay', 'duplicate', 'duplicate']);
  });
});
