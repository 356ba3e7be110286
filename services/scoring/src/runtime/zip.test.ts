import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deflateRawSync } from 'node:zlib';
import { readZip } from './zip.ts';

/**
 * A minimal zip writer for the test: stored (method 0) or deflated (method 8) entries; `size`
 * overrides the declared uncompressed size, `flags` the general purpose bits.
 */
function zip(entries: { name: string; data: Buffer; method: 0 | 8 | 12; size?: number; flags?: number }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const { name, data, method, size = data.length, flags = 0 } of entries) {
    const body = method === 8 ? deflateRawSync(data) : data;
    const fileName = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(fileName.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
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
  it('reads stored and deflated entries and skips folders', async () => {
    const manifest = Buffer.from('{"format":"vigil.module/v1"}');
    const onnx = Buffer.alloc(5000, 7);
    const files = await readZip(
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

  it('refuses what is not a readable zip with VIGIL_BUNDLE_INVALID', async () => {
    await assert.rejects(readZip(Buffer.from('not a zip at all, not even close'), 'x.zip'), {
      code: 'VIGIL_BUNDLE_INVALID',
      message: /^x\.zip: not a readable zip \(end of central directory/i,
    });
    const good = zip([{ name: 'a.json', data: Buffer.from('x'.repeat(100)), method: 8 }]);
    good.fill(0xff, 30 + 'a.json'.length, 30 + 'a.json'.length + 4); // corrupt the deflate stream
    await assert.rejects(readZip(good, 'x.zip'), { code: 'VIGIL_BUNDLE_INVALID', message: /a\.json does not inflate/ });
  });

  it('refuses entry names outside the bundle, encryption and other compression methods', async () => {
    const x = Buffer.from('x');
    for (const [entry, reason] of [
      [{ name: '../evil.json', data: x, method: 0 }, /invalid relative path: \.\.\/evil\.json/],
      [{ name: '/etc/evil.json', data: x, method: 0 }, /absolute path: \/etc\/evil\.json/],
      [{ name: 'a.json', data: x, method: 8, flags: 1 }, /a\.json is encrypted/],
      [{ name: 'a.json', data: x, method: 12 }, /a\.json uses compression method 12/],
    ] as const) {
      await assert.rejects(readZip(zip([entry]), 'x.zip'), { code: 'VIGIL_BUNDLE_INVALID', message: reason });
    }
  });

  it('stops an entry that inflates past its declared size (a zip bomb)', async () => {
    const bomb = zip([{ name: 'big.onnx', data: Buffer.alloc(1_000_000), method: 8, size: 1_000 }]);
    assert.ok(bomb.length < 5_000);
    await assert.rejects(readZip(bomb, 'x.zip'), {
      code: 'VIGIL_BUNDLE_INVALID',
      message: /big\.onnx does not inflate: too many bytes in the stream/,
    });
  });
});
