/**
 * Reading a bundle zip (what `python -m vigil_science train --zip` writes) with yauzl: stored or
 * deflated entries, zip64 too. yauzl refuses entry names that are absolute or climb out with
 * `..`, and an entry that inflates past its declared size (a zip bomb stops there). Integrity
 * is checked by the manifest's sha256 of each file, not by the zip's CRC.
 */
import { buffer } from 'node:stream/consumers';
import { VigilError } from '@vigil/errors';
import yauzl from 'yauzl';

const STORED = 0;
const DEFLATED = 8;

/** Every file of the zip by its path (folders skipped); anything unreadable is VIGIL_BUNDLE_INVALID. */
export async function readZip(zip: Uint8Array, where: string): Promise<Map<string, Uint8Array>> {
  const bad = (what: string, cause?: unknown) =>
    new VigilError('VIGIL_BUNDLE_INVALID', `${where}: not a readable zip (${what})`, { cause, bundle: where });
  const files = new Map<string, Uint8Array>();
  let name: string | undefined;
  try {
    const archive = await yauzl.fromBufferPromise(Buffer.from(zip.buffer, zip.byteOffset, zip.byteLength), {
      lazyEntries: true,
    });
    for await (const entry of archive.eachEntry()) {
      if (entry.fileName.endsWith('/')) continue;
      if (entry.isEncrypted()) throw bad(`${entry.fileName} is encrypted`);
      const method = entry.compressionMethod;
      if (method !== STORED && method !== DEFLATED) throw bad(`${entry.fileName} uses compression method ${method}`);
      name = entry.fileName;
      files.set(name, await buffer(await archive.openReadStreamPromise(entry)));
      name = undefined;
    }
  } catch (cause) {
    if (cause instanceof VigilError) throw cause;
    const message = (cause as Error).message;
    throw name === undefined ? bad(message, cause) : bad(`${name} does not inflate: ${message}`, cause);
  }
  return files;
}
