import {
  booleanFromEnv,
  type ConfigIssue,
  connectionEnv,
  durationFromEnv,
  intFromEnv,
  parseConfig,
  stageEnv,
  z,
} from '@vigil/config';
import { FAULT_KINDS, type FaultKind } from './isolation/faults.ts';

/** One configured module: a registered MLflow model resolved by one alias. */
export interface ModelRef {
  model: string;
  alias: string;
}

/** `model@alias`, the way settings, logs and readiness checks name a module. */
export function refName(ref: ModelRef): string {
  return `${ref.model}@${ref.alias}`;
}

// MLflow allows most characters in model names; these are the ones that stay
// safe as a cache folder name and a Prometheus label value.
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const ALIAS_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

function parseRef(text: string): ModelRef | string {
  const at = text.lastIndexOf('@');
  if (at <= 0 || at === text.length - 1) return `"${text}" is not model@alias`;
  const model = text.slice(0, at);
  const alias = text.slice(at + 1);
  if (!MODEL_NAME.test(model)) return `"${model}" is not a model name (letters, digits, _ . -)`;
  if (!ALIAS_NAME.test(alias)) return `"${alias}" is not an alias (letters, digits, _ -)`;
  return { model, alias };
}

/** `a@published,b@challenger`: at least one, no repeats. */
export const modelsFromEnv = z.string().transform((text, ctx): ModelRef[] => {
  const refs: ModelRef[] = [];
  const seen = new Set<string>();
  let problems = 0;
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0)) {
    const ref = parseRef(part);
    if (typeof ref === 'string') {
      ctx.addIssue({ code: 'custom', message: ref });
      problems++;
      continue;
    }
    if (seen.has(refName(ref))) {
      ctx.addIssue({ code: 'custom', message: `${refName(ref)} is listed twice` });
      problems++;
    }
    seen.add(refName(ref));
    refs.push(ref);
  }
  if (refs.length === 0 && problems === 0) ctx.addIssue({ code: 'custom', message: 'no model@alias given' });
  return refs;
});

/** Test-only faults: `model@alias=kind;…` (see isolation/faults.ts). */
export const faultsFromEnv = z.string().transform((text, ctx): Map<string, FaultKind> => {
  const faults = new Map<string, FaultKind>();
  for (const part of text
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p.length > 0)) {
    const [name = '', kind = ''] = part.split('=').map((s) => s.trim());
    const ref = parseRef(name);
    if (typeof ref === 'string') ctx.addIssue({ code: 'custom', message: ref });
    else if (!(FAULT_KINDS as readonly string[]).includes(kind))
      ctx.addIssue({ code: 'custom', message: `"${kind}" is not one of ${FAULT_KINDS.join(', ')}` });
    else faults.set(refName(ref), kind as FaultKind);
  }
  return faults;
});

export const ISOLATION_MODES = ['thread', 'process'] as const;
export type IsolationMode = (typeof ISOLATION_MODES)[number];

/** Every scoring setting; the README's options table lists the same names. */
export const scoringEnv = {
  ...stageEnv('SCORING', { metricsPort: 9403, maxBatchRecords: 1_000 }),
  MLFLOW_TRACKING_URI: connectionEnv.MLFLOW_TRACKING_URI,
  SCORING_MODELS: modelsFromEnv.prefault(
    'skab-predictive@published,skab-rules@published,skab-envelope@challenger,skab-iforest@challenger',
  ),
  SCORING_CACHE_DIR: z.string().min(1).default('.vigil/scoring-cache'),
  SCORING_POLL_INTERVAL: durationFromEnv.default(5_000),
  SCORING_REGISTRY_TIMEOUT: durationFromEnv.default(5_000),
  SCORING_STARTUP_WAIT: durationFromEnv.default(30_000),
  SCORING_ISOLATION: z.enum(ISOLATION_MODES).default('thread'),
  SCORING_MODULE_TIMEOUT: durationFromEnv.default(2_000),
  SCORING_MODULE_LOAD_TIMEOUT: durationFromEnv.default(30_000),
  SCORING_MODULE_MAX_HEAP_MB: intFromEnv(16, 65_536).default(256),
  SCORING_RESTART_BACKOFF_MAX: durationFromEnv.default(30_000),
  /** Test hook: only with VIGIL_FAULT_INJECTION=1 may SCORING_FAULTS be set. */
  VIGIL_FAULT_INJECTION: booleanFromEnv.default(false),
  SCORING_FAULTS: faultsFromEnv.prefault(''),
} as const;

export type ScoringConfig = Readonly<z.infer<z.ZodObject<typeof scoringEnv>>>;

/** Checks across settings that one field's schema cannot see; every problem at once. */
export function crossCheck(config: ScoringConfig): ConfigIssue[] {
  const problems: ConfigIssue[] = [];
  if (config.SCORING_FAULTS.size > 0 && !config.VIGIL_FAULT_INJECTION)
    problems.push({
      key: 'SCORING_FAULTS',
      message: 'fault injection is a test hook; set VIGIL_FAULT_INJECTION=1 to use it',
    });
  const configured = new Set(config.SCORING_MODELS.map(refName));
  for (const name of config.SCORING_FAULTS.keys())
    if (!configured.has(name)) problems.push({ key: 'SCORING_FAULTS', message: `${name} is not in SCORING_MODELS` });
  return problems;
}

/** Parses and cross-checks the environment once; throws one VIGIL_CONFIG_INVALID listing every problem. */
export function parseScoringConfig(env: Record<string, string | undefined> = process.env): ScoringConfig {
  return parseConfig(scoringEnv, env, { check: crossCheck });
}
