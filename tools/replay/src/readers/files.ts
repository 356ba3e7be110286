import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import { VigilError } from '@vigil/errors';
import { SOURCES } from './dialects.ts';

export interface InputFile {
  /** Absolute path. */
  path: string;
  entity: string;
}

/** Folder names of the datasets in `../shared/datasets`; entities are named relative to their parent. */
const DATASET_ROOTS: ReadonlySet<string> = new Set([SOURCES.skab, SOURCES.msCloudMonitoring]);

const naturalOrder = new Intl.Collator('en', { numeric: true }).compare;

function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}

/**
 * The entity of a file: its dataset-relative path without extension. Inside a
 * known dataset folder that is `<dataset>/<path below its data/ folder>`
 * (`skab/data/valve1/0.csv` → `skab/valve1/0`); elsewhere the path relative to
 * the parent of the folder given (`fixtures/plain.csv` → `fixtures/plain`), or
 * the bare file name when a single file was given.
 */
export function entityOf(file: string, input: string): string {
  const absolute = resolve(file);
  const withoutExt = absolute.slice(0, absolute.length - extname(absolute).length);
  for (let dir = dirname(absolute); dir !== dirname(dir); dir = dirname(dir)) {
    const name = basename(dir);
    if (DATASET_ROOTS.has(name)) {
      const below = toPosix(relative(dir, withoutExt)).replace(/^data\//, '');
      return `${name}/${below}`;
    }
  }
  return toPosix(relative(dirname(resolve(input)), withoutExt));
}

/**
 * The CSV files of a file or folder (recursively), sorted in natural order
 * (`2.csv` before `10.csv`), each with its entity.
 */
export async function listInputFiles(input: string): Promise<InputFile[]> {
  const info = await stat(input).catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`;
    throw new VigilError('VIGIL_REPLAY_BAD_INPUT', `dataset path ${input} ${why}`, { cause: error, path: input });
  });
  if (info.isFile()) return [{ path: resolve(input), entity: entityOf(input, input) }];
  if (!info.isDirectory()) {
    throw new VigilError('VIGIL_REPLAY_BAD_INPUT', `dataset path ${input} is neither a file nor a folder`, {
      path: input,
    });
  }
  const names = (await readdir(input, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile() && entry.name.toLowerCase().endsWith('.csv') && !entry.name.startsWith('.'))
    .map((entry) => relative(input, join(entry.parentPath, entry.name)))
    .sort(naturalOrder);
  if (names.length === 0) {
    throw new VigilError('VIGIL_REPLAY_BAD_INPUT', `dataset folder ${input} holds no .csv files`, { path: input });
  }
  return names.map((name) => {
    const path = resolve(input, name);
    return { path, entity: entityOf(path, input) };
  });
}
