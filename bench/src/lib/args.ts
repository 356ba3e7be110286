import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type ParseArgsConfig, parseArgs } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;
type Values<O extends Options> = ReturnType<typeof parseArgs<{ options: O; strict: true }>>['values'];

/**
 * The leading `/** … *\/` comment of a benchmark's entry file, without its
 * comment markers: what the benchmark measures and its synopsis.
 */
export function usageOf(source: string): string {
  const match = /^\s*\/\*\*([\s\S]*?)\*\//.exec(source);
  if (!match?.[1]) return '';
  const lines = match[1].split('\n').map((line) => line.replace(/^\s*\* ?/, ''));
  while (lines.length > 0 && lines[0]?.trim() === '') lines.shift();
  while (lines.length > 0 && lines.at(-1)?.trim() === '') lines.pop();
  return `${lines.join('\n')}\n`;
}

/**
 * `parseArgs` for a benchmark entry file (`moduleUrl` = its `import.meta.url`):
 * `--help` prints its header comment and exits 0; an unknown or malformed
 * option prints the error and the header, and exits 2.
 */
export function benchArgs<const O extends Options>(moduleUrl: string, options: O): Values<O> {
  const usage = () => usageOf(readFileSync(fileURLToPath(moduleUrl), 'utf8'));
  if (process.argv.slice(2).some((arg) => arg === '--help' || arg === '-h')) {
    process.stdout.write(usage());
    process.exit(0);
  }
  try {
    return parseArgs({ options, strict: true }).values as Values<O>;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${usage()}`);
    process.exit(2);
  }
}

/** The value of option `--name` as a whole number ≥ 1; otherwise says so (naming `bench`) and exits 2. */
export function positiveInt(bench: string, name: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`${bench} bench: --${name} must be a positive integer, got ${value}\n`);
    process.exit(2);
  }
  return n;
}
