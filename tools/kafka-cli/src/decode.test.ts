import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AvroDecode, decodeValue, toJson } from './decode.ts';

const framed = Buffer.from([0, 0, 0, 0, 42, 2, 97]);

describe('decodeValue', () => {
  it('decodes a framed value with the Avro decoder', async () => {
    const avro: AvroDecode = async (value) => ({ schemaId: value.readUInt32BE(1), value: { id: 'a' } });
    assert.deepEqual(await decodeValue(framed, avro), { encoding: 'avro', schemaId: 42, value: { id: 'a' } });
  });

  it('falls back to JSON, then text, then hex', async () => {
    assert.deepEqual(await decodeValue(Buffer.from('{"a":[1,2]}'), undefined), {
      encoding: 'json',
      value: { a: [1, 2] },
    });
    assert.deepEqual(await decodeValue(Buffer.from('plain text\n'), undefined), {
      encoding: 'text',
      text: 'plain text\n',
    });
    assert.deepEqual(await decodeValue(Buffer.from([0xff, 0xfe, 0x01]), undefined), {
      encoding: 'hex',
      hex: 'fffe01',
      bytes: 3,
    });
    assert.deepEqual(await decodeValue(Buffer.from('a\u0001b'), undefined), {
      encoding: 'hex',
      hex: '610162',
      bytes: 3,
    });
    assert.deepEqual(await decodeValue(null, undefined), { encoding: 'null' });
  });

  it('shows a framed value that does not decode as hex, saying why', async () => {
    const failing: AvroDecode = async () => {
      // What AvroCodec throws: an error with a code.
      throw Object.assign(new Error('registry down'), { code: 'VIGIL_REGISTRY_UNAVAILABLE' });
    };
    assert.deepEqual(await decodeValue(framed, failing), {
      encoding: 'hex',
      hex: '000000002a0261',
      bytes: 7,
      note: 'not decodable as Avro: VIGIL_REGISTRY_UNAVAILABLE: registry down',
    });
    assert.deepEqual(await decodeValue(framed, undefined), {
      encoding: 'hex',
      hex: '000000002a0261',
      bytes: 7,
      note: 'framed like Avro, but no schema registry to decode it',
    });
  });

  it('cuts long hex dumps at 256 bytes', async () => {
    const value = await decodeValue(Buffer.alloc(300, 0xff), undefined);
    assert.equal(value.encoding, 'hex');
    assert.equal(value.encoding === 'hex' && value.hex, `${'ff'.repeat(256)}…`);
    assert.equal(value.encoding === 'hex' && value.bytes, 300);
  });
});

describe('toJson', () => {
  it('writes bytes as base64 and bigints as decimal strings', () => {
    assert.equal(
      toJson({ b: Buffer.from('hi'), n: 2n ** 64n, x: [1] }),
      '{"b":"aGk=","n":"18446744073709551616","x":[1]}',
    );
  });
});
