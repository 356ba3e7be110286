import { VigilError } from '@vigil/errors';
import { z } from 'zod';

/** Loopback defaults shared by every service; the brief fixes these names. */
export const connectionEnv = {
  KAFKA_BROKERS: z.string().min(1).default('127.0.0.1:9092'),
  SCHEMA_REGISTRY_URL: z.url().default('http://127.0.0.1:8081/apis/ccompat/v7'),
  REDIS_URL: z.string().min(1).default('redis://127.0.0.1:6379'),
  DATABASE_URL: z.string().min(1).default('postgres://vigil:vigil@127.0.0.1:5432/vigil'),
  MLFLOW_TRACKING_URI: z.url().default('http://127.0.0.1:5000'),
} as const;

/** Environment values that are boolean-like: only these spellings are accepted. */
export const booleanFromEnv = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** A comma-separated list, trimmed, empties dropped. */
export const listFromEnv = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length > 0),
);

const DURATION_UNITS_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Parses `500ms`, `30s`, `5m`, `2h`, `30d` (or a bare number of milliseconds) into milliseconds. */
export function parseDurationMs(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!match) return undefined;
  const unit = (match[2] ?? 'ms') as keyof typeof DURATION_UNITS_MS;
  return Math.round(Number(match[1]) * DURATION_UNITS_MS[unit]);
}

/** A duration setting; the parsed value is milliseconds. */
export const durationFromEnv = z.string().transform((text, ctx) => {
  const ms = parseDurationMs(text);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration such as 500ms, 30s, 5m, 2h or 30d` });
    return z.NEVER;
  }
  return ms;
});

/** An integer setting given as text, within bounds. */
export function intFromEnv(min: number, max: number) {
  return z.coerce.number().int().min(min).max(max);
}

export type ConfigIssue = { key: string; message: string };

/**
 * Parses `env` with `shape` once and returns a frozen result. On failure it
 * throws one VIGIL_CONFIG_INVALID error listing every problem, never a partial
 * config with a warning.
 */
export function parseConfig<S extends z.ZodRawShape>(
  shape: S,
  env: Record<string, string | undefined> = process.env,
): Readonly<z.infer<z.ZodObject<S>>> {
  const result = z.object(shape).safeParse(env);
  if (!result.success) {
    const issues: ConfigIssue[] = result.error.issues.map((issue) => ({
      key: issue.path.join('.') || '(root)',
      message: issue.message,
    }));
    const list = issues.map((i) => `  ${i.key}: ${i.message}`).join('\n');
    throw new VigilError('VIGIL_CONFIG_INVALID', `invalid configuration:\n${list}`, { issues });
  }
  return Object.freeze(result.data);
}

/**
 * For a service's main(): parse or print every problem and exit non-zero.
 */
export function loadConfigOrExit<S extends z.ZodRawShape>(
  shape: S,
  env: Record<string, string | undefined> = process.env,
): Readonly<z.infer<z.ZodObject<S>>> {
  try {
    return parseConfig(shape, env);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
}

export { z };
