import { z } from 'zod';

/** Loopback defaults shared by every service; the brief fixes these names. */
export const connectionEnv = {
  KAFKA_BROKERS: z.string().min(1).default('127.0.0.1:9092'),
  SCHEMA_REGISTRY_URL: z.url().default('http://127.0.0.1:8081/apis/ccompat/v7'),
  REDIS_URL: z.string().min(1).default('redis://127.0.0.1:6379'),
  DATABASE_URL: z.string().min(1).default('postgres://vigil:vigil@127.0.0.1:5432/vigil'),
  MLFLOW_TRACKING_URI: z.url().default('http://127.0.0.1:5000'),
} as const;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

/** `LOG_LEVEL`: pino's level names. */
export const logLevelEnv = z.enum(LOG_LEVELS).default('info');

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

function toMs(value: string | number, ctx: z.RefinementCtx): number {
  const ms = typeof value === 'number' ? value : parseDurationMs(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration such as 500ms, 30s, 5m, 2h or 30d` });
    return z.NEVER;
  }
  return ms;
}

/** A duration setting; the parsed value is milliseconds. */
export const durationFromEnv = z.string().transform(toMs);

/** A duration in a JSON config file: `"30s"`, `"5m"`, … or a whole number of milliseconds; parsed to milliseconds. */
export const durationFromFile = z.union([z.number().int().min(0), z.string()]).transform(toMs);

/** An integer setting given as text, within bounds. */
export function intFromEnv(min: number, max: number) {
  return z.coerce.number().int().min(min).max(max);
}
