/**
 * Reading a bundle's files and verifying them: manifest.json first, then every file listed
 * in `files` with its sha256 (docs/bundle-format.md, "Layout" and "Loading and verification").
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { VigilError } from '@vigil/errors';
import { isSafePath, MANIFEST, type Manifest, parseManifest } from './manifest.ts';
import { readZip } from './zip.ts';

/** Where a bundle's files come from: a directory, a zip, or bytes already in memory (a download). */
export interface BundleSource {
  /** For messages: the directory, the zip, the model version... */
  readonly description: string;
  /** The bytes of a file by relative POSIX path, or undefined when it does not exist. */
  read(rel: string): Promise<Uint8Array | undefined>;
}

export function directorySource(dir: string): BundleSource {
  return {
    description: dir,
    async read(rel) {
      try {
        return await readFile(join(dir, ...rel.split('/')));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') return undefined;
        throw error;
      }
    },
  };
}

export function memorySource(files: ReadonlyMap<string, Uint8Array>, description = 'in-memory bundle'): BundleSource {
  return { description, read: async (rel) => files.get(rel) };
}

/** A zip whose root holds manifest.json (no enclosing folder). */
export async function zipSource(path: string): Promise<BundleSource> {
  const files = await readZip(await readFile(path), path);
  return memorySource(files, path);
}

/** A directory or a `.zip` file. */
export async function sourceOf(path: string): Promise<BundleSource> {
  const s = await stat(path).catch(() => undefined);
  return s?.isFile() ? zipSource(path) : directorySource(path);
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A bundle whose manifest parsed and whose listed files are present with their sha256. */
export interface VerifiedBundle {
  readonly manifest: Manifest;
  /** sha256 of manifest.json (MLflow tag `vigil.manifest_sha256`). */
  readonly manifestSha256: string;
  /** Every file of `files`, by relative path. */
  readonly files: ReadonlyMap<string, Uint8Array>;
}

/** Reads and verifies: manifest present and JSON, format, schema, each listed file present with its sha256. */
export async function readBundle(source: BundleSource): Promise<VerifiedBundle> {
  const where = source.description;
  const bytes = await source.read(MANIFEST);
  if (bytes === undefined) {
    throw new VigilError('VIGIL_BUNDLE_FILE_MISSING', `${where}: no ${MANIFEST}`, { bundle: where, file: MANIFEST });
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (cause) {
    throw new VigilError('VIGIL_BUNDLE_INVALID', `${where}: ${MANIFEST} is not JSON (${(cause as Error).message})`, {
      cause,
      bundle: where,
    });
  }
  const manifest = parseManifest(json, `${where}/${MANIFEST}`);
  const files = new Map<string, Uint8Array>();
  for (const [rel, digest] of Object.entries(manifest.files)) {
    // Checked before reading: a listed path must not reach outside the bundle.
    if (!isSafePath(rel)) {
      throw new VigilError('VIGIL_BUNDLE_INVALID', `${where}: files: ${rel} is not a safe relative path`, {
        bundle: where,
        file: rel,
      });
    }
    const data = await source.read(rel);
    if (data === undefined) {
      throw new VigilError('VIGIL_BUNDLE_FILE_MISSING', `${where}: missing file ${rel}`, { bundle: where, file: rel });
    }
    const actual = sha256(data);
    if (actual !== digest) {
      throw new VigilError(
        'VIGIL_BUNDLE_HASH_MISMATCH',
        `${where}: sha256 of ${rel} is ${actual}, manifest says ${digest}`,
        {
          bundle: where,
          file: rel,
        },
      );
    }
    files.set(rel, data);
  }
  return { manifest, manifestSha256: sha256(bytes), files };
}
