import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `bench/results/`, ignored by git. */
export const RESULTS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../results');

/** What a result file says about where it was measured. */
export function machine(): { cpus: number; cpuModel: string; memoryGb: number; node: string } {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
}

/** Writes `bench/results/<name>-<timestamp>.json` and returns its path. */
export async function saveResults(name: string, results: Record<string, unknown>): Promise<string> {
  const at = new Date();
  const file = join(RESULTS_DIR, `${name}-${at.toISOString().replace(/[:.]/g, '-')}.json`);
  await mkdir(RESULTS_DIR, { recursive: true });
  await writeFile(
    file,
    `${JSON.stringify({ benchmark: name, at: at.toISOString(), machine: machine(), ...results }, null, 2)}\n`,
  );
  return file;
}

/** Median of a non-empty list (mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length % 2 === 1) return sorted[middle] as number;
  return ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** The `q` quantile (0 to 1) of an ascending list, nearest rank; NaN when empty. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}
