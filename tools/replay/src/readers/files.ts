import { readdir, realpath, stat } from 'node:fs/promises';
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

const isCsv = (name: string) => name.toLowerCase().endsWith('.csv') && !name.startsWith('.');

/**
 * The CSV file paths under `dir`, relative to `root`. Symbolic links are followed, to files and
 * to folders (a dataset is often a folder of links into a download); a link to a folder that is
 * already being walked above it (a loop) is skipped. A broken link named `*.csv` fails the run.
 */
async function csvFilesUnder(root: string, dir: string, walking: ReadonlySet<string>): Promise<string[]> {
  const real = await realpath(dir);
  if (walking.has(real)) return [];
  const inside = new Set(walking).add(real);
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    let file = entry.isFile();
    let folder = entry.isDirectory();
    if (entry.isSymbolicLink()) {
      const target = await stat(path).catch(() => undefined);
      if (target === undefined) {
        if (!isCsv(entry.name)) continue;
        throw new VigilError('VIGIL_REPLAY_BAD_INPUT', `dataset file ${path} is a broken symbolic link`, { path });
      }
      file = target.isFile();
      folder = target.isDirectory();
    }
    if (folder) out.push(...(await csvFilesUnder(root, path, inside)));
    else if (file && isCsv(entry.name)) out.push(relative(root, path));
  }
  return out;
}

/**
 * The CSV files of a file or folder (recursively, through symbolic links), sorted in natural
 * order (`2.csv` before `10.csv`), each with its entity.
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
  const names = (await csvFilesUnder(input, input, new Set())).sort(naturalOrder);
  if (names.length === 0) {
    throw new VigilError('VIGIL_REPLAY_BAD_INPUT', `dataset folder ${input} holds no .csv files`, { path: input });
  }
  return names.map((name) => {
    const path = resolve(input, name);
    return { path, entity: entityOf(path, input) };
  });
}
