import { VigilError } from '@vigil/errors';
import { z } from 'zod';

export type ConfigIssue = { key: string; message: string };

export interface ParseOptions<C> {
  /**
   * Checks across settings that no one field's schema can see. Runs only when
   * every field parsed; its issues are reported like the fields' own.
   */
  check?: (config: C) => ConfigIssue[];
}

/** zod's issues as ConfigIssues: the dotted path, below `at` when given, is the key. */
export function configIssues(error: z.ZodError, ...at: string[]): ConfigIssue[] {
  return error.issues.map((issue) => ({
    key: [...at, ...issue.path.map(String)].join('.') || '(root)',
    message: issue.message,
  }));
}

/** One VIGIL_CONFIG_INVALID that lists every issue under "invalid <what>:". */
export function configInvalid(issues: ConfigIssue[], what = 'configuration'): VigilError {
  const list = issues.map((i) => `  ${i.key}: ${i.message}`).join('\n');
  return new VigilError('VIGIL_CONFIG_INVALID', `invalid ${what}:\n${list}`, { issues });
}

/**
 * Parses `env` with `shape` once and returns a frozen result. On failure it
 * throws one VIGIL_CONFIG_INVALID error listing every problem, never a partial
 * config with a warning.
 */
export function parseConfig<S extends z.ZodRawShape>(
  shape: S,
  env: Record<string, string | undefined> = process.env,
  options: ParseOptions<Readonly<z.infer<z.ZodObject<S>>>> = {},
): Readonly<z.infer<z.ZodObject<S>>> {
  const result = z.object(shape).safeParse(env);
  if (!result.success) {
    throw configInvalid(configIssues(result.error));
  }
  const config = Object.freeze(result.data);
  const problems = options.check?.(config) ?? [];
  if (problems.length > 0) throw configInvalid(problems);
  return config;
}

/**
 * For a main(): runs `load` (the environment, a rules file); on failure prints
 * its message, which lists every problem, to stderr and exits 2 before
 * anything has started.
 */
export function orExit<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
}

/** For a main(): parse, or print every problem and exit 2. */
export function loadConfigOrExit<S extends z.ZodRawShape>(
  shape: S,
  env: Record<string, string | undefined> = process.env,
  options: ParseOptions<Readonly<z.infer<z.ZodObject<S>>>> = {},
): Readonly<z.infer<z.ZodObject<S>>> {
  return orExit(() => parseConfig(shape, env, options));
}
