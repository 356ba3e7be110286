import { readFileSync } from 'node:fs';
import { type ConfigIssue, configInvalid, configIssues, z } from '@vigil/config';
import type { SamplingPolicy } from './sampling.ts';

/** The built-in policy: what a model gets when the file (or its entry) does not say. */
export const DEFAULT_POLICY: Readonly<SamplingPolicy> = Object.freeze({
  seed: 'vigil-feedback',
  randomRate: 0.01,
  borderline: Object.freeze({ rate: 0.1, halfWidth: 0.02 }),
});

const rate = z.number().min(0).max(1);

const policySchema = z
  .object({
    seed: z.string().min(1),
    randomRate: rate,
    borderline: z.object({ rate, halfWidth: z.number().min(0).max(1) }).strict(),
  })
  .strict();

/** An entry of the file: only what it names overrides the layer below. */
const partialPolicy = z
  .object({
    seed: z.unknown(),
    randomRate: z.unknown(),
    borderline: z.record(z.string(), z.unknown()),
  })
  .partial()
  .strict();

const fileSchema = z
  .object({
    defaults: partialPolicy.default({}),
    /** By `model` or `model@alias`; `model@alias` wins over `model`, which wins over `defaults`. */
    models: z.record(z.string().regex(/^[^@]+(@[^@]+)?$/, 'a model name or model@alias'), partialPolicy).default({}),
  })
  .strict();

export type FeedbackPolicyFile = z.input<typeof fileSchema>;

type Layer = z.output<typeof partialPolicy>;

export interface FeedbackPolicies {
  defaults: SamplingPolicy;
  /** The compiled entry of each key of the file's `models`. */
  entries: ReadonlyMap<string, SamplingPolicy>;
  /** The policy of a (model, alias): its `model@alias` entry, else its `model` entry, else the defaults. */
  policyFor(model: string, alias: string): SamplingPolicy;
}

function layered(...layers: Layer[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const layer of layers) {
    if (layer.seed !== undefined) out.seed = layer.seed;
    if (layer.randomRate !== undefined) out.randomRate = layer.randomRate;
    if (layer.borderline !== undefined) out.borderline = { ...(out.borderline as object), ...layer.borderline };
  }
  return out;
}

function compiled(input: Record<string, unknown>, where: string, issues: ConfigIssue[]): SamplingPolicy | undefined {
  const result = policySchema.safeParse(input);
  if (!result.success) {
    issues.push(...configIssues(result.error, where));
    return undefined;
  }
  return Object.freeze({ ...result.data, borderline: Object.freeze({ ...result.data.borderline }) });
}

/**
 * The file's text → built-in defaults ← `defaults` ← `models[model]` ←
 * `models[model@alias]`, each entry validated whole. Every problem of every
 * entry is reported in one VIGIL_CONFIG_INVALID; nothing is repaired.
 */
export function compileFeedbackPolicies(file: unknown = {}): FeedbackPolicies {
  const parsed = fileSchema.safeParse(file);
  if (!parsed.success) throw configInvalid(configIssues(parsed.error), 'feedback policy');
  const { defaults: defaultLayer, models } = parsed.data;
  const issues: ConfigIssue[] = [];
  const base: Layer = { ...DEFAULT_POLICY, borderline: { ...DEFAULT_POLICY.borderline } };
  const defaults = compiled(layered(base, defaultLayer), 'defaults', issues);
  const entries = new Map<string, SamplingPolicy>();
  for (const key of Object.keys(models).sort()) {
    const model = key.split('@')[0] as string;
    const below = key.includes('@') ? [models[model] ?? {}] : [];
    const policy = compiled(layered(base, defaultLayer, ...below, models[key] as Layer), `models.${key}`, issues);
    if (policy) entries.set(key, policy);
  }
  if (issues.length > 0 || !defaults) throw configInvalid(issues, 'feedback policy');
  return Object.freeze({
    defaults,
    entries,
    policyFor: (model: string, alias: string) => entries.get(`${model}@${alias}`) ?? entries.get(model) ?? defaults,
  });
}

/** Reads and compiles the policy file at `path` (JSON); the built-in policy when no path is given. */
export function loadFeedbackPolicies(path: string | undefined): FeedbackPolicies {
  if (path === undefined || path.length === 0) return compileFeedbackPolicies({});
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const message = `cannot read ${path} as JSON: ${(error as Error).message}`;
    throw configInvalid([{ key: 'FEEDBACK_POLICY', message }], 'feedback policy');
  }
  return compileFeedbackPolicies(json);
}
