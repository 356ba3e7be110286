import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deflateRawSync } from 'node:zlib';
import { readZip } from './zip.ts';

/** A minimal zip writer for the test: stored (method 0) or deflated (method 8) entries. */
function zip(entries: { name: string; data: Buffer; method: 0 | 8 }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const { name, data, method } of entries) {
    const body = method === 8 ? deflateRawSync(data) : data;
    const fileName = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(fileName.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(fileName.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, fileName, body);
    centrals.push(central, fileName);
    offset += 30 + fileName.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

describe('readZip', () => {
  it('reads stored and deflated entries and skips folders', () => {
    const manifest = Buffer.from('{"format":"vigil.module/v1"}');
    const onnx = Buffer.alloc(5000, 7);
    const files = readZip(
      zip([
        { name: 'manifest.json', data: manifest, method: 0 },
        { name: 'elements/', data: Buffer.alloc(0), method: 0 },
        { name: 'elements/a.onnx', data: onnx, method: 8 },
      ]),
      'b.zip',
    );
    assert.deepEqual([...files.keys()], ['manifest.json', 'elements/a.onnx']);
    assert.deepEqual(Buffer.from(files.get('manifest.json') as Uint8Array), manifest);
    assert.deepEqual(Buffer.from(files.get('elements/a.onnx') as Uint8Array), onnx);
  });

  it('refuses what is not a readable zip with VIGIL_BUNDLE_INVALID', () => {
    assert.throws(() => readZip(Buffer.from('not a zip at all, not even close'), 'x.zip'), {
      code: 'VIGIL_BUNDLE_INVALID',
      message: /no end of central directory/,
    });
    const good = zip([{ name: 'a.json', data: Buffer.from('x'.repeat(100)), method: 8 }]);
    good.fill(0xff, 30 + 'a.json'.length, 30 + 'a.json'.length + 4); // corrupt the deflate stream
    assert.throws(() => readZip(good, 'x.zip'), { code: 'VIGIL_BUNDLE_INVALID', message: /does not inflate/ });
  });
});
