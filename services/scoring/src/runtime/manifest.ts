/**
 * manifest.json of a `vigil.module/v1` bundle: zod schema (strict, the twin of
 * schemas/bundle/manifest.schema.json) and the semantic checks a schema cannot express
 * (docs/bundle-format.md, "Loading and verification"). Every problem is reported at once.
 */
import { VigilError } from '@vigil/errors';
import { z } from 'zod';
import { type ElementEntry, elementEntrySchema, kindOf } from './elements/index.ts';
import { postprocessSchema } from './postprocess.ts';
import { checkSteps, historyRows, stepSchema } from './preprocess.ts';
import { calibrationSchema, columnName } from './schema.ts';

export const FORMAT = 'vigil.module/v1';
export const MANIFEST = 'manifest.json';
export const REFERENCE = 'reference.json';

const recordSchema = z.looseObject({
  entity: z.string(),
  ts: z.int(),
  values: z.record(z.string(), z.number()),
  features: z.record(z.string(), z.number()).optional(),
  attrs: z.record(z.string(), z.string()).optional(),
});

const nullableNumber = z.number().nullable();
const scoreRowSchema = z.looseObject({
  raw: nullableNumber,
  calibrated: nullableNumber,
  verdict: z.enum(['NORMAL', 'UNSURE', 'ANOMALY', 'MISSING']),
  missingReason: z.string().nullable().optional(),
  elements: z.array(
    z.looseObject({
      name: z.string().min(1),
      kind: z.string().min(1).optional(),
      raw: nullableNumber,
      calibrated: nullableNumber,
      missingReason: z.string().nullable().optional(),
    }),
  ),
  contributors: z.array(z.looseObject({ signal: z.string().min(1), weight: z.number() })).optional(),
});
export type ScoreRow = z.infer<typeof scoreRowSchema>;

const unit = z.number().min(0).max(1);

export const manifestSchema = z.strictObject({
  format: z.literal(FORMAT),
  module: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must match [A-Za-z0-9][A-Za-z0-9_.-]*'),
  description: z.string(),
  createdAt: z.string(),
  inputs: z.strictObject({
    values: z.array(columnName),
    features: z.array(columnName),
    attrs: z.array(columnName),
  }),
  history: z.strictObject({ rows: z.int().min(0) }),
  preprocess: z.array(stepSchema),
  elements: z.array(elementEntrySchema).min(1),
  combine: z.strictObject({
    method: z.enum(['max', 'weighted_mean']),
    weights: z.record(z.string(), z.number().gt(0)).optional(),
    calibration: calibrationSchema,
  }),
  thresholds: z.strictObject({ unsureAbove: unit, anomalyAbove: unit }),
  postprocess: postprocessSchema.optional(),
  training: z.looseObject({ from: z.string(), to: z.string(), rows: z.looseObject({}) }),
  selfTest: z.strictObject({
    tolerance: z.number().gt(0),
    records: z.array(recordSchema),
    expected: z.array(scoreRowSchema),
  }),
  files: z
    .record(z.string(), z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase hex sha256'))
    .refine((files) => Object.keys(files).length > 0, 'must list at least one file'),
});
export type Manifest = z.infer<typeof manifestSchema>;
export type { ElementEntry };

/** A checked manifest and what the checks computed. */
export interface CheckedManifest {
  readonly manifest: Manifest;
  /** The final row's columns, in row order. */
  readonly columns: readonly string[];
}

function invalid(where: string, problems: readonly string[]): VigilError {
  return new VigilError('VIGIL_BUNDLE_INVALID', `${where}: ${problems.length} problem(s): ${problems.join('; ')}`, {
    problems,
  });
}

/** A relative POSIX path inside the bundle: not absolute, no `..`, no backslash, not the manifest. */
export function isSafePath(rel: string): boolean {
  const parts = rel.split('/');
  return rel !== '' && rel !== MANIFEST && !rel.startsWith('/') && !rel.includes('\\') && !parts.includes('..');
}

/**
 * Format and schema: `VIGIL_BUNDLE_FORMAT` when `format` is not vigil.module/v1,
 * `VIGIL_BUNDLE_INVALID` listing every schema problem otherwise.
 */
export function parseManifest(json: unknown, where = MANIFEST): Manifest {
  const format = json !== null && typeof json === 'object' ? (json as { format?: unknown }).format : undefined;
  if (format !== FORMAT) {
    throw new VigilError('VIGIL_BUNDLE_FORMAT', `${where}: format ${JSON.stringify(format)} is not "${FORMAT}"`, {
      format,
    });
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    throw invalid(
      where,
      parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  }
  return parsed.data;
}

/** The semantic checks (columns, kinds, files, calibration, thresholds); VIGIL_BUNDLE_INVALID listing every problem. */
export function checkManifest(manifest: Manifest, where = MANIFEST): CheckedManifest {
  const problems: string[] = [];
  const { inputs, elements, combine, thresholds, files } = manifest;
  const inputColumns = [...inputs.values, ...inputs.features];
  if (new Set(inputColumns).size !== inputColumns.length) {
    problems.push('input values and features must have distinct names');
  }
  const steps = checkSteps(manifest.preprocess, inputColumns, inputs.attrs);
  problems.push(...steps.problems);
  const rows = historyRows(manifest.preprocess);
  if (manifest.history.rows !== rows) problems.push(`history.rows must be ${rows} (the largest lag/diff)`);
  const names = elements.map((e) => e.name);
  if (new Set(names).size !== names.length) problems.push('element names must be unique');
  for (const rel of Object.keys(files))
    if (!isSafePath(rel)) problems.push(`files: ${rel} is not a safe relative path`);
  if (files[REFERENCE] === undefined) problems.push(`files must list ${REFERENCE}`);
  const columns = new Set(steps.columns);
  for (const e of elements) problems.push(...checkElement(e, columns, files));
  const calibrations = [
    ...elements.map((e) => [`element ${e.name}`, e.calibration] as const),
    ['combine', combine.calibration] as const,
  ];
  for (const [what, cal] of calibrations) {
    if (cal.method === 'ecdf' && cal.knots.some((q, i) => i > 0 && q < (cal.knots[i - 1] as number))) {
      problems.push(`${what}: calibration knots must be non-decreasing`);
    }
  }
  if (combine.method === 'weighted_mean') {
    const weighted = Object.keys(combine.weights ?? {}).sort();
    if (weighted.join('\n') !== [...names].sort().join('\n')) {
      problems.push('combine.weights must give one weight per element');
    }
  }
  if (
    !(thresholds.unsureAbove >= 0 && thresholds.unsureAbove < thresholds.anomalyAbove && thresholds.anomalyAbove <= 1)
  ) {
    problems.push(`thresholds must satisfy 0 <= unsureAbove < anomalyAbove <= 1`);
  }
  if (manifest.selfTest.records.length !== manifest.selfTest.expected.length) {
    problems.push('selfTest: records and expected must have the same length');
  }
  if (problems.length > 0) throw invalid(where, problems);
  return { manifest, columns: steps.columns };
}

function checkElement(
  e: ElementEntry,
  columns: ReadonlySet<string>,
  files: Readonly<Record<string, string>>,
): string[] {
  const problems: string[] = [];
  const unknown = e.inputs.filter((c) => !columns.has(c));
  if (unknown.length > 0) problems.push(`element ${e.name}: unknown input columns ${unknown.join(', ')}`);
  const kind = kindOf(e);
  if ('onnx' in e && files[e.onnx.path] === undefined) {
    problems.push(`element ${e.name}: ${e.onnx.path} is not listed in files`);
  }
  if (kind.onnx !== 'onnx' in e)
    problems.push(`element ${e.name}: kind ${e.kind} ${kind.onnx ? 'needs' : 'takes no'} onnx`);
  problems.push(...kind.check(e, columns));
  return problems;
}
