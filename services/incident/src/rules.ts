import { readFileSync } from 'node:fs';
import { type ConfigIssue, configInvalid, configIssues, durationFromFile, z } from '@vigil/config';

/**
 * The incident rules of one model, as an operator writes them in the
 * `INCIDENT_CONFIG` JSON file. Durations are `"30s"`, `"5m"`, `"2h"`, `"7d"`
 * or a number of milliseconds. See the README for what each field does.
 */
export interface RuleOptions {
  /** Anomalous verdicts among the last `n` (inside `observation`) needed to open. */
  k: number;
  n: number;
  observation: string | number;
  /** Least event time between two UPDATED events of one incident (0: every anomaly). */
  updateEvery: string | number;
  /** Event time without a notification after which an open incident is re-notified; null: never. */
  reminderPeriod: string | number | null;
  /** Event time without an ANOMALY after which an incident closes. */
  quietPeriod: string | number;
  /** Event time after a close during which the same key opens no new incident (0: none). */
  suppressionPeriod: string | number;
  /** Lowest peak calibrated score of each severity; below `medium` it is LOW. */
  severity: { medium: number; high: number; critical: number };
  /** Most alert ids an incident event lists (the first ones covered). */
  maxAlertIds: number;
  /** Most contributing signals an incident event lists. */
  maxContributors: number;
}

/** Rules compiled for the state machine: durations in milliseconds. */
export interface Rule {
  k: number;
  n: number;
  observationMs: number;
  updateEveryMs: number;
  reminderPeriodMs: number | null;
  quietPeriodMs: number;
  suppressionPeriodMs: number;
  severity: Readonly<{ medium: number; high: number; critical: number }>;
  maxAlertIds: number;
  maxContributors: number;
}

export const DEFAULT_RULE_OPTIONS: Readonly<RuleOptions> = Object.freeze({
  k: 3,
  n: 5,
  observation: '10m',
  updateEvery: '5m',
  reminderPeriod: '1h',
  quietPeriod: '10m',
  suppressionPeriod: '30m',
  severity: Object.freeze({ medium: 0.99, high: 0.999, critical: 1 }),
  maxAlertIds: 500,
  maxContributors: 5,
});

const MAX_WINDOW = 1000;

const duration = durationFromFile;
const positiveDuration = duration.refine((ms) => ms > 0, 'must be longer than 0');
const score = z.number().min(0).max(1);

const ruleSchema = z
  .object({
    k: z.number().int().min(1).max(MAX_WINDOW),
    n: z.number().int().min(1).max(MAX_WINDOW),
    observation: positiveDuration,
    updateEvery: duration,
    reminderPeriod: positiveDuration.nullable(),
    quietPeriod: positiveDuration,
    suppressionPeriod: duration,
    severity: z.object({ medium: score, high: score, critical: score }).strict(),
    maxAlertIds: z.number().int().min(1).max(10_000),
    maxContributors: z.number().int().min(1).max(100),
  })
  .strict()
  .refine((r) => r.k <= r.n, { message: 'k must not exceed n', path: ['k'] })
  .refine((r) => r.severity.medium <= r.severity.high && r.severity.high <= r.severity.critical, {
    message: 'severity thresholds must satisfy medium <= high <= critical',
    path: ['severity'],
  });

/** Partial rules: the file's `defaults` and each `models` entry override only what they name. */
const partialRule = z
  .object({
    k: z.unknown(),
    n: z.unknown(),
    observation: z.unknown(),
    updateEvery: z.unknown(),
    reminderPeriod: z.unknown(),
    quietPeriod: z.unknown(),
    suppressionPeriod: z.unknown(),
    severity: z.record(z.string(), z.unknown()),
    maxAlertIds: z.unknown(),
    maxContributors: z.unknown(),
  })
  .partial()
  .strict();

const fileSchema = z
  .object({
    defaults: partialRule.default({}),
    models: z.record(z.string().min(1), partialRule).default({}),
  })
  .strict();

export type IncidentRulesFile = z.input<typeof fileSchema>;

/** The rule of every model: the defaults, or the model's own entry. */
export interface IncidentRules {
  defaults: Rule;
  models: ReadonlyMap<string, Rule>;
  ruleFor(model: string): Rule;
}

function merge(...layers: Record<string, unknown>[]): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const layer of layers) {
    for (const [name, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      const previous = merged[name];
      merged[name] =
        name === 'severity' && typeof previous === 'object' && typeof value === 'object'
          ? { ...previous, ...value }
          : value;
    }
  }
  return merged;
}

function compileRule(input: Record<string, unknown>, where: string, issues: ConfigIssue[]): Rule | undefined {
  const result = ruleSchema.safeParse(input);
  if (!result.success) {
    issues.push(...configIssues(result.error, where));
    return undefined;
  }
  const r = result.data;
  return Object.freeze({
    k: r.k,
    n: r.n,
    observationMs: r.observation,
    updateEveryMs: r.updateEvery,
    reminderPeriodMs: r.reminderPeriod,
    quietPeriodMs: r.quietPeriod,
    suppressionPeriodMs: r.suppressionPeriod,
    severity: Object.freeze({ ...r.severity }),
    maxAlertIds: r.maxAlertIds,
    maxContributors: r.maxContributors,
  });
}

/**
 * Options in stages: the file's text → built-in defaults ← file `defaults` ←
 * file `models[model]` → validated and compiled per model. Every problem of
 * every model is reported in one VIGIL_CONFIG_INVALID error; nothing is
 * repaired with a warning.
 */
export function compileIncidentRules(file: unknown = {}): IncidentRules {
  const parsed = fileSchema.safeParse(file);
  if (!parsed.success) throw configInvalid(configIssues(parsed.error), 'incident rules');
  const issues: ConfigIssue[] = [];
  const base = merge({ ...DEFAULT_RULE_OPTIONS }, parsed.data.defaults);
  const defaults = compileRule(base, 'defaults', issues);
  const models = new Map<string, Rule>();
  for (const [model, overrides] of Object.entries(parsed.data.models).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const rule = compileRule(merge(base, overrides), `models.${model}`, issues);
    if (rule) models.set(model, rule);
  }
  if (issues.length > 0 || !defaults) throw configInvalid(issues, 'incident rules');
  return Object.freeze({
    defaults,
    models,
    ruleFor: (model: string) => models.get(model) ?? defaults,
  });
}

/** Reads and compiles the rules file at `path`; built-in defaults when no path is given. */
export function loadIncidentRules(path: string | undefined): IncidentRules {
  if (path === undefined || path.length === 0) return compileIncidentRules({});
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw configInvalid(
      [{ key: 'INCIDENT_CONFIG', message: `cannot read ${path}: ${(error as Error).message}` }],
      'incident rules',
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw configInvalid(
      [{ key: 'INCIDENT_CONFIG', message: `${path} is not JSON: ${(error as Error).message}` }],
      'incident rules',
    );
  }
  return compileIncidentRules(json);
}
