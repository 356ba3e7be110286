import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AvroCodec } from './codec.ts';
import { type DecodeResult, decodeOrReject } from './decode-or-reject.ts';
import { writeWire } from './wire.ts';

// Nothing listens on port 9: the cases here never need an answer from a registry, and
// the one that asks for a writer schema must see the registry as unreachable.
const codec = new AvroCodec({ registryUrl: 'http://127.0.0.1:9/apis/ccompat/v7' });

function deadLetter(code: string, message: string | RegExp) {
  return (result: DecodeResult<unknown> | Promise<DecodeResult<unknown>>) => {
    assert.ok(!(result instanceof Promise) && !result.ok, 'rejected');
    const { deadLetter } = result;
    assert.equal(deadLetter.kind, 'DEAD_LETTER');
    assert.equal(deadLetter.code, code);
    if (typeof message === 'string') assert.equal(deadLetter.message, message);
    else assert.match(deadLetter.message, message);
  };
}

describe('decodeOrReject', () => {
  it('dead-letters an empty or missing value as VIGIL_AVRO_MALFORMED, with or without a reader', async () => {
    const empty = deadLetter('VIGIL_AVRO_MALFORMED', 'empty record');
    for (const value of [null, Buffer.alloc(0)]) {
      empty(decodeOrReject(codec, value));
      empty(await decodeOrReject(codec, value, 'vigil.Alert'));
      empty(await decodeOrReject(codec, value, codec.projection('vigil.ScoredAlert', ['alert.values'])));
    }
  });

  it('dead-letters a record without the wire header, synchronously when no reader is named', async () => {
    const badMagic = deadLetter('VIGIL_AVRO_BAD_MAGIC_BYTE', /first byte is 123/);
    const json = Buffer.from('{"id":"x"}');
    const sync = decodeOrReject(codec, json);
    assert.ok(!(sync instanceof Promise), 'no promise for a record that cannot be Avro');
    badMagic(sync);
    badMagic(await decodeOrReject(codec, json, 'vigil.Alert'));
    deadLetter('VIGIL_AVRO_MALFORMED', /shorter than the 5-byte header/)(decodeOrReject(codec, Buffer.from([0, 0])));
  });

  it('throws an unreachable registry instead of dead-lettering: the record is not at fault', async () => {
    const record = writeWire(1, Buffer.from([0]));
    const unavailable = { code: 'VIGIL_REGISTRY_UNAVAILABLE', retriable: true };
    await assert.rejects(async () => decodeOrReject(codec, record), unavailable);
    await assert.rejects(decodeOrReject(codec, record, 'vigil.Alert'), unavailable);
  });
});
