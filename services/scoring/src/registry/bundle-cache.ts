import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { VigilError } from '@vigil/errors';
import { MANIFEST_SHA_TAG, type MlflowClient, type ModelVersion } from './mlflow.ts';

const MANIFEST = 'manifest.json';
/** Written into a version folder before it is renamed into place: its presence means "complete". */
const MARKER = '.vigil-cache.json';
const SAFE_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const SAFE_PATH = /^(?!\/)(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9_.\-/]+$/;

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** What the cache records beside a version's files. */
export interface CachedVersion {
  model: string;
  version: string;
  runId: string;
  source: string;
  manifestSha256: string;
  downloadedAt: string;
}

/**
 * Downloads a version's bundle: `manifest.json` first, checked against the
 * version's `vigil.manifest_sha256` tag, then every file its `files` lists.
 * Only the manifest's hash is checked here; the runtime's loader checks the
 * others (and everything else) when the module is loaded.
 */
export async function downloadBundle(client: MlflowClient, version: ModelVersion): Promise<Map<string, Buffer>> {
  const context = { model: version.model, version: version.version };
  const manifest = await client.bundleFile(version, MANIFEST);
  const expected = version.tags[MANIFEST_SHA_TAG];
  const actual = sha256(manifest);
  if (expected !== actual) {
    throw new VigilError(
      'VIGIL_SCORING_MANIFEST_MISMATCH',
      expected
        ? `${version.model} v${version.version}: manifest.json hashes to ${actual}, the version's tag ${MANIFEST_SHA_TAG} says ${expected}`
        : `${version.model} v${version.version} has no tag ${MANIFEST_SHA_TAG}`,
      { ...context, expected, actual },
    );
  }
  let listed: string[];
  try {
    const files = (JSON.parse(manifest.toString('utf8')) as { files?: unknown }).files;
    listed = files && typeof files === 'object' ? Object.keys(files) : [];
  } catch (error) {
    throw new VigilError(
      'VIGIL_SCORING_MODULE_LOAD_FAILED',
      `${version.model} v${version.version}: manifest.json is not JSON`,
      {
        ...context,
        cause: error,
      },
    );
  }
  const out = new Map<string, Buffer>([[MANIFEST, manifest]]);
  for (const path of listed) {
    if (!SAFE_PATH.test(path) || path === MARKER) {
      throw new VigilError(
        'VIGIL_SCORING_MODULE_LOAD_FAILED',
        `${version.model} v${version.version}: the manifest lists an unsafe path ${JSON.stringify(path)}`,
        context,
      );
    }
    out.set(path, await client.bundleFile(version, path));
  }
  return out;
}

/**
 * Bundles on disk: `<root>/<model>/<version>/` holds a version's files, and
 * `<root>/<model>/aliases/<alias>.json` the version an alias last resolved to,
 * so that a restart with MLflow down loads what was serving. A version folder
 * is written under a temporary name and renamed into place, so a folder that
 * exists is complete.
 */
export class BundleCache {
  constructor(readonly root: string) {}

  dir(model: string, version: string): string {
    return join(this.root, segment(model), segment(version));
  }

  has(model: string, version: string): boolean {
    return existsSync(join(this.dir(model, version), MARKER));
  }

  async store(version: ModelVersion, files: ReadonlyMap<string, Buffer>): Promise<string> {
    const target = this.dir(version.model, version.version);
    const temporary = join(this.root, segment(version.model), `.tmp-${segment(version.version)}-${randomUUID()}`);
    try {
      for (const [path, bytes] of files) {
        await mkdir(dirname(join(temporary, path)), { recursive: true });
        await writeFile(join(temporary, path), bytes);
      }
      const marker: CachedVersion = {
        model: version.model,
        version: version.version,
        runId: version.runId,
        source: version.source,
        manifestSha256: sha256(files.get(MANIFEST) ?? Buffer.alloc(0)),
        downloadedAt: new Date().toISOString(),
      };
      await writeFile(join(temporary, MARKER), `${JSON.stringify(marker, null, 1)}\n`);
      await rm(target, { recursive: true, force: true });
      await rename(temporary, target);
      return target;
    } catch (error) {
      await rm(temporary, { recursive: true, force: true }).catch(() => undefined);
      throw new VigilError('VIGIL_SCORING_CACHE_FAILED', `cannot write ${target}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  async remove(model: string, version: string): Promise<void> {
    await rm(this.dir(model, version), { recursive: true, force: true });
  }

  /** Records that `alias` resolved to `version`, for a restart without MLflow. */
  async rememberAlias(model: string, alias: string, version: string): Promise<void> {
    const file = this.aliasFile(model, alias);
    try {
      await mkdir(dirname(file), { recursive: true });
      const temporary = `${file}.${randomUUID()}.tmp`;
      await writeFile(temporary, `${JSON.stringify({ model, alias, version, at: new Date().toISOString() })}\n`);
      await rename(temporary, file);
    } catch (error) {
      throw new VigilError('VIGIL_SCORING_CACHE_FAILED', `cannot write ${file}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  /** The version `alias` last resolved to, if that version's files are still cached. */
  async aliasVersion(model: string, alias: string): Promise<string | undefined> {
    try {
      const { version } = JSON.parse(await readFile(this.aliasFile(model, alias), 'utf8')) as { version?: unknown };
      return typeof version === 'string' && this.has(model, version) ? version : undefined;
    } catch {
      return undefined;
    }
  }

  /** Versions of `model` on disk (complete ones), for housekeeping and tests. */
  async versions(model: string): Promise<string[]> {
    const entries = await readdir(join(this.root, segment(model))).catch(() => [] as string[]);
    return entries.filter((e) => !e.startsWith('.') && e !== 'aliases' && this.has(model, e));
  }

  private aliasFile(model: string, alias: string): string {
    return join(this.root, segment(model), 'aliases', `${segment(alias)}.json`);
  }
}

function segment(name: string): string {
  if (!SAFE_SEGMENT.test(name) || name === 'aliases') {
    throw new VigilError('VIGIL_SCORING_CACHE_FAILED', `${JSON.stringify(name)} cannot name a cache folder`);
  }
  return name;
}
