import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DLQ_HEADERS } from '@vigil/contracts';
import { buildDeadLetter } from './dead-letter.ts';

const failedAt = new Date('2026-03-01T12:00:00.000Z');

function input(overrides: Partial<Parameters<typeof buildDeadLetter>[0]> = {}) {
  return {
    message: {
      key: Buffer.from('host-1'),
      // Not valid UTF-8: the DLQ must keep bytes, not a decoded string.
      value: Buffer.from([0x00, 0xff, 0xfe, 0x7b]),
      headers: { trace: Buffer.from('t-1'), origin: 'edge' },
    },
    sourceTopic: 'telemetry.raw',
    partition: 3,
    offset: '1207',
    code: 'VIGIL_INGEST_MALFORMED_JSON' as const,
    errorMessage: 'Unexpected token',
    stage: 'ingest',
    failedAt,
    ...overrides,
  };
}

describe('buildDeadLetter', () => {
  it('addresses the derived DLQ topic with the original key and value bytes and every error header', () => {
    const source = input();
    const { topic, message } = buildDeadLetter(source);
    assert.equal(topic, 'telemetry.raw.dlq');
    assert.equal(message.key, source.message.key);
    assert.equal(message.value, source.message.value);
    assert.deepEqual(message.value, Buffer.from([0x00, 0xff, 0xfe, 0x7b]));
    assert.deepEqual(message.headers, {
      trace: Buffer.from('t-1'),
      origin: 'edge',
      [DLQ_HEADERS.code]: 'VIGIL_INGEST_MALFORMED_JSON',
      [DLQ_HEADERS.message]: 'Unexpected token',
      [DLQ_HEADERS.stage]: 'ingest',
      [DLQ_HEADERS.sourceTopic]: 'telemetry.raw',
      [DLQ_HEADERS.sourcePartition]: '3',
      [DLQ_HEADERS.sourceOffset]: '1207',
      [DLQ_HEADERS.failedAt]: '2026-03-01T12:00:00.000Z',
    });
  });

  it('leaves the source headers object alone and keeps null keys and values null', () => {
    const source = input({ message: { key: null, value: null, headers: { trace: 'x' } } });
    const { message } = buildDeadLetter(source);
    assert.deepEqual(source.message.headers, { trace: 'x' });
    assert.equal(message.key, null);
    assert.equal(message.value, null);
    assert.equal(message.headers?.trace, 'x');
  });

  it('writes its own header over a same-named source header and bounds the error message', () => {
    const source = input({
      message: { key: null, value: Buffer.from('{}'), headers: { [DLQ_HEADERS.code]: 'forged' } },
      errorMessage: 'x'.repeat(5_000),
    });
    const { message } = buildDeadLetter(source);
    assert.equal(message.headers?.[DLQ_HEADERS.code], 'VIGIL_INGEST_MALFORMED_JSON');
    assert.equal(String(message.headers?.[DLQ_HEADERS.message]).length, 1_000);
  });

  it('works without source headers', () => {
    const { message } = buildDeadLetter(input({ message: { key: null, value: Buffer.from('v'), headers: {} } }));
    assert.equal(Object.keys(message.headers ?? {}).length, Object.keys(DLQ_HEADERS).length);
  });
});
