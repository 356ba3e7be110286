/**
 * Declarative pre-processing (docs/bundle-format.md, "Pre-processing"), float64, the exact
 * arithmetic of vigil_science.preprocess. Steps are compiled once into closures over column
 * indices; a batch is one Float64Array of n × width, filled in place row by row.
 */
import { z } from 'zod';
import type { EntityHistory } from './history.ts';
import { columnName } from './schema.ts';

const historyItem = (minLag: number) =>
  z.strictObject({ column: columnName, lag: z.int().min(minLag), as: columnName });

export const stepSchema = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('impute'), values: z.record(z.string(), z.number()) }),
  z.strictObject({
    op: z.literal('clip'),
    bounds: z.record(z.string(), z.tuple([z.number().nullable(), z.number().nullable()])),
  }),
  z.strictObject({ op: z.literal('log1p'), columns: z.array(columnName) }),
  z.strictObject({ op: z.literal('lag'), items: z.array(historyItem(0)) }),
  z.strictObject({ op: z.literal('diff'), items: z.array(historyItem(1)) }),
  z.strictObject({
    op: z.literal('scale'),
    params: z.record(z.string(), z.strictObject({ mean: z.number(), std: z.number().gt(0) })),
  }),
  z.strictObject({
    op: z.literal('onehot'),
    attr: columnName,
    categories: z.array(z.strictObject({ value: z.string(), as: columnName })),
  }),
]);
export type Step = z.infer<typeof stepSchema>;

/** Columns a step reads: raw input columns for lag/diff, row columns otherwise. */
function reads(step: Step): string[] {
  switch (step.op) {
    case 'impute':
      return Object.keys(step.values);
    case 'clip':
      return Object.keys(step.bounds);
    case 'log1p':
      return step.columns;
    case 'scale':
      return Object.keys(step.params);
    case 'lag':
    case 'diff':
      return step.items.map((it) => it.column);
    case 'onehot':
      return [];
  }
}

/** Columns a step adds to the row. */
function adds(step: Step): string[] {
  switch (step.op) {
    case 'lag':
    case 'diff':
      return step.items.map((it) => it.as);
    case 'onehot':
      return step.categories.map((c) => c.as);
    default:
      return [];
  }
}

/** The final row's columns and the problems of the steps (empty when they are consistent). */
export function checkSteps(
  steps: readonly Step[],
  inputs: readonly string[],
  attrs: readonly string[],
): { columns: string[]; problems: string[] } {
  const columns = [...inputs];
  const known = new Set(columns);
  const problems: string[] = [];
  steps.forEach((step, i) => {
    const history = step.op === 'lag' || step.op === 'diff';
    const unknown = reads(step).filter((c) => (history ? !inputs.includes(c) : !known.has(c)));
    if (unknown.length > 0) {
      problems.push(
        `preprocess[${i}] (${step.op}): unknown ${history ? 'input columns' : 'columns'} ${unknown.join(', ')}`,
      );
    }
    if (step.op === 'onehot' && !attrs.includes(step.attr)) {
      problems.push(`preprocess[${i}]: onehot of undeclared attr ${step.attr}`);
    }
    const added = adds(step);
    const clash = added.filter((c, k) => known.has(c) || added.indexOf(c) !== k);
    if (clash.length > 0) problems.push(`preprocess[${i}]: columns already exist ${clash.join(', ')}`);
    for (const c of added) {
      if (!known.has(c)) columns.push(c);
      known.add(c);
    }
  });
  return { columns, problems };
}

/** How many previous raw records per entity lag/diff need (the largest lag, 0 when none). */
export function historyRows(steps: readonly Step[]): number {
  let rows = 0;
  for (const step of steps) {
    if (step.op === 'lag' || step.op === 'diff') for (const it of step.items) rows = Math.max(rows, it.lag);
  }
  return rows;
}

/** One step (or all) on record i: `row[r + c]` is its row, `raw[q + c]` its raw record, `attrs[a + k]` its attrs. */
type StepFn = (
  row: Float64Array,
  r: number,
  raw: Float64Array,
  q: number,
  past: EntityHistory | undefined,
  attrs: readonly (string | null)[],
  a: number,
) => void;

export interface Preprocessor {
  /** Input columns: `inputs.values` then `inputs.features`. */
  readonly inputs: readonly string[];
  /** Final row columns, in row order (inputs first, then added columns in step order). */
  readonly columns: readonly string[];
  readonly columnIndex: ReadonlyMap<string, number>;
  /**
   * Builds the final row at `row[r..]` from the raw record at `raw[q..]` (the `inputs` columns,
   * NaN = absent), its attrs at `attrs[a..]` (the module's `inputs.attrs`) and the entity's history.
   */
  readonly apply: StepFn;
}

function compileStep(
  step: Step,
  at: (c: string) => number,
  rawAt: (c: string) => number,
  attrAt: (c: string) => number,
): StepFn {
  switch (step.op) {
    case 'impute': {
      const cols = Int32Array.from(Object.keys(step.values), at);
      const fill = Float64Array.from(Object.values(step.values));
      return (row, r) => {
        for (let k = 0; k < cols.length; k++) {
          const c = r + (cols[k] as number);
          if (Number.isNaN(row[c] as number)) row[c] = fill[k] as number;
        }
      };
    }
    case 'clip': {
      const cols = Int32Array.from(Object.keys(step.bounds), at);
      const bounds = Object.values(step.bounds);
      const lo = Float64Array.from(bounds, ([l]) => l ?? Number.NEGATIVE_INFINITY);
      const hi = Float64Array.from(bounds, ([, h]) => h ?? Number.POSITIVE_INFINITY);
      // max then min; NaN stays NaN (Math.max/min propagate it)
      return (row, r) => {
        for (let k = 0; k < cols.length; k++) {
          const c = r + (cols[k] as number);
          row[c] = Math.min(Math.max(row[c] as number, lo[k] as number), hi[k] as number);
        }
      };
    }
    case 'log1p': {
      const cols = Int32Array.from(step.columns, at);
      return (row, r) => {
        for (let k = 0; k < cols.length; k++) {
          const c = r + (cols[k] as number);
          const x = row[c] as number;
          row[c] = x > -1 ? Math.log1p(x) : Number.NaN;
        }
      };
    }
    case 'scale': {
      const cols = Int32Array.from(Object.keys(step.params), at);
      const mean = Float64Array.from(Object.values(step.params), (p) => p.mean);
      const std = Float64Array.from(Object.values(step.params), (p) => p.std);
      return (row, r) => {
        for (let k = 0; k < cols.length; k++) {
          const c = r + (cols[k] as number);
          row[c] = ((row[c] as number) - (mean[k] as number)) / (std[k] as number); // a division, as numpy
        }
      };
    }
    case 'lag':
    case 'diff': {
      const src = Int32Array.from(step.items, (it) => rawAt(it.column));
      const lag = Int32Array.from(step.items, (it) => it.lag);
      const out = Int32Array.from(step.items, (it) => at(it.as));
      const diff = step.op === 'diff';
      return (row, r, raw, q, past) => {
        for (let k = 0; k < src.length; k++) {
          const s = src[k] as number;
          const l = lag[k] as number;
          const before = l === 0 ? (raw[q + s] as number) : past === undefined ? Number.NaN : past.previous(l, s);
          row[r + (out[k] as number)] = diff ? (raw[q + s] as number) - before : before;
        }
      };
    }
    case 'onehot': {
      const attr = attrAt(step.attr);
      const value = step.categories.map((c) => c.value);
      const out = Int32Array.from(step.categories, (c) => at(c.as));
      return (row, r, _raw, _q, _past, attrs, a) => {
        const v = attrs[a + attr];
        for (let k = 0; k < out.length; k++) row[r + (out[k] as number)] = v === value[k] ? 1 : 0;
      };
    }
  }
}

export function compilePreprocess(
  steps: readonly Step[],
  inputs: {
    readonly values: readonly string[];
    readonly features: readonly string[];
    readonly attrs: readonly string[];
  },
  columns: readonly string[],
): Preprocessor {
  const raw = [...inputs.values, ...inputs.features];
  const index = new Map(columns.map((c, i) => [c, i]));
  const at = (c: string): number => index.get(c) as number;
  const rawAt = (c: string): number => raw.indexOf(c);
  const attrAt = (c: string): number => inputs.attrs.indexOf(c);
  const fns = steps.map((step) => compileStep(step, at, rawAt, attrAt));
  return {
    inputs: raw,
    columns,
    columnIndex: index,
    apply(row, r, rawRows, q, past, attrs, a) {
      row.set(rawRows.subarray(q, q + raw.length), r);
      for (const fn of fns) fn(row, r, rawRows, q, past, attrs, a);
    },
  };
}
