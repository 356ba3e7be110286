/**
 * A minimal zip reader for bundle zips (stored or deflated entries, no zip64, no encryption):
 * enough for what `python -m vigil_science train --zip` writes, with no npm dependency.
 * Integrity is checked by the manifest's sha256 of each file, not by the zip's CRC.
 */
import { inflateRawSync } from 'node:zlib';
import { VigilError } from '@vigil/errors';

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

export function readZip(zip: Uint8Array, where: string): Map<string, Uint8Array> {
  const bad = (what: string) => new VigilError('VIGIL_BUNDLE_INVALID', `${where}: not a readable zip (${what})`);
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let end = -1;
  for (let i = zip.byteLength - 22; i >= Math.max(0, zip.byteLength - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === EOCD) {
      end = i;
      break;
    }
  }
  if (end < 0) throw bad('no end of central directory');
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  const files = new Map<string, Uint8Array>();
  for (let k = 0; k < count; k++) {
    if (at + 46 > zip.byteLength || view.getUint32(at, true) !== CENTRAL) throw bad('bad central directory');
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    const size = view.getUint32(at + 20, true);
    const length = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const skip = nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
    const local = view.getUint32(at + 42, true);
    const name = Buffer.from(zip.subarray(at + 46, at + 46 + nameLength)).toString('utf8');
    at += 46 + skip;
    if (name.endsWith('/')) continue;
    if ((flags & 1) !== 0) throw bad(`${name} is encrypted`);
    if (size === 0xffffffff || length === 0xffffffff) throw bad(`${name} needs zip64`);
    if (local + 30 > zip.byteLength || view.getUint32(local, true) !== LOCAL) throw bad(`bad local header of ${name}`);
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    const data = zip.subarray(start, start + size);
    if (method === 0) files.set(name, data);
    else if (method === 8)
      files.set(
        name,
        inflate(data, length, () => bad(`${name} does not inflate`)),
      );
    else throw bad(`${name} uses compression method ${method}`);
  }
  return files;
}

/** Inflates at most the declared size (a zip bomb stops there); corrupt data is the bundle's fault. */
function inflate(data: Uint8Array, length: number, bad: () => VigilError): Uint8Array {
  try {
    return inflateRawSync(data, { maxOutputLength: Math.max(length, 1) });
  } catch (cause) {
    const error = bad();
    error.cause = cause;
    throw error;
  }
}
