/**
 * The rules expression language (docs/bundle-format.md, "Rules expressions"), compiled into
 * closures by a recursive walk: no `eval`, no `Function`. Two types, number and boolean;
 * a string is a column of the final row; comparisons are false when either side is NaN.
 */

export type ExprType = 'number' | 'boolean';
/** Reads record `at` (the offset of its row in `row`). */
export type NumberFn = (row: Float64Array, at: number) => number;
export type BooleanFn = (row: Float64Array, at: number) => boolean;
export type Compiled = { type: 'number'; fn: NumberFn } | { type: 'boolean'; fn: BooleanFn };

export const MAX_DEPTH = 32;

export class RuleError extends Error {
  override name = 'RuleError';
}

const NARY: Record<string, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  mul: (a, b) => a * b,
  min: Math.min, // propagates NaN, as numpy's minimum
  max: Math.max,
};
const BINARY: Record<string, (a: number, b: number) => number> = {
  sub: (a, b) => a - b,
  div: (a, b) => a / b,
};
const UNARY: Record<string, (a: number) => number> = {
  abs: Math.abs,
  neg: (a) => -a,
};
// NaN compares false everywhere, `ne` included (unlike IEEE !==).
const COMPARE: Record<string, (a: number, b: number) => boolean> = {
  gt: (a, b) => a > b,
  ge: (a, b) => a >= b,
  lt: (a, b) => a < b,
  le: (a, b) => a <= b,
  eq: (a, b) => a === b,
  ne: (a, b) => a !== b && !Number.isNaN(a) && !Number.isNaN(b),
};
const OPERATORS = new Set([
  ...Object.keys(NARY),
  ...Object.keys(BINARY),
  ...Object.keys(UNARY),
  ...Object.keys(COMPARE),
  'all',
  'any',
  'not',
  'missing',
]);
const UNARY_FORM = new Set(['abs', 'neg', 'not', 'missing']);

/** Compiles `expr` over columns (name → index in a row); throws RuleError on anything outside the grammar. */
export function compileExpr(expr: unknown, columns: ReadonlyMap<string, number>, depth = 0): Compiled {
  if (depth > MAX_DEPTH) throw new RuleError(`expression nested deeper than ${MAX_DEPTH}`);
  if (typeof expr === 'boolean') return { type: 'boolean', fn: () => expr };
  if (typeof expr === 'number') {
    if (!Number.isFinite(expr)) throw new RuleError('numbers must be finite');
    return { type: 'number', fn: () => expr };
  }
  if (typeof expr === 'string') {
    const c = columnOf(expr, columns);
    return { type: 'number', fn: (row, at) => row[at + c] as number };
  }
  if (expr === null || typeof expr !== 'object' || Array.isArray(expr) || Object.keys(expr).length !== 1) {
    throw new RuleError(`an operator must be an object with exactly one key: ${JSON.stringify(expr)}`);
  }
  const [op, body] = Object.entries(expr)[0] as [string, unknown];
  if (!OPERATORS.has(op)) throw new RuleError(`unknown operator ${JSON.stringify(op)}`);
  if (op === 'missing') {
    if (typeof body !== 'string' || !columns.has(body)) {
      throw new RuleError(`missing: takes one column name, got ${JSON.stringify(body)}`);
    }
    const c = columnOf(body, columns);
    return { type: 'boolean', fn: (row, at) => Number.isNaN(row[at + c] as number) };
  }
  if (!UNARY_FORM.has(op) && !Array.isArray(body)) throw new RuleError(`${op}: arguments must be a list`);
  const args = (UNARY_FORM.has(op) ? [body] : (body as unknown[])).map((a) => compileExpr(a, columns, depth + 1));
  if (op in NARY || op in BINARY || op in UNARY || op in COMPARE) {
    const exact = op in BINARY || op in COMPARE ? 2 : undefined;
    if (exact !== undefined && args.length !== exact) throw new RuleError(`${op}: takes exactly ${exact} arguments`);
    if (op in NARY && args.length < 2) throw new RuleError(`${op}: takes at least 2 arguments`);
    const fns = args.map((a) => (a.type === 'number' ? a.fn : undefined));
    if (fns.some((f) => f === undefined)) throw new RuleError(`${op}: arguments must be numbers`);
    return numeric(op, fns as NumberFn[]);
  }
  if (args.length === 0) throw new RuleError(`${op}: needs at least one argument`);
  const fns = args.map((a) => (a.type === 'boolean' ? a.fn : undefined));
  if (fns.some((f) => f === undefined)) throw new RuleError(`${op}: arguments must be booleans`);
  return logical(op, fns as BooleanFn[]);
}

function columnOf(name: string, columns: ReadonlyMap<string, number>): number {
  const c = columns.get(name);
  if (c === undefined) throw new RuleError(`unknown column ${JSON.stringify(name)}`);
  return c;
}

function numeric(op: string, fns: NumberFn[]): Compiled {
  const [a, b] = fns as [NumberFn, NumberFn];
  const unary = UNARY[op];
  if (unary) return { type: 'number', fn: (row, at) => unary(a(row, at)) };
  const compare = COMPARE[op];
  if (compare) return { type: 'boolean', fn: (row, at) => compare(a(row, at), b(row, at)) };
  const binary = BINARY[op];
  if (binary) return { type: 'number', fn: (row, at) => binary(a(row, at), b(row, at)) };
  const fold = NARY[op] as (x: number, y: number) => number;
  if (fns.length === 2) return { type: 'number', fn: (row, at) => fold(a(row, at), b(row, at)) };
  return {
    type: 'number',
    fn: (row, at) => {
      let acc = a(row, at); // folded left to right, as the Python kit
      for (let k = 1; k < fns.length; k++) acc = fold(acc, (fns[k] as NumberFn)(row, at));
      return acc;
    },
  };
}

function logical(op: string, fns: BooleanFn[]): Compiled {
  const a = fns[0] as BooleanFn;
  if (op === 'not') return { type: 'boolean', fn: (row, at) => !a(row, at) };
  if (fns.length === 1) return { type: 'boolean', fn: a };
  // Every operand is evaluated (no short circuit needed: operands have no effects).
  return op === 'all'
    ? { type: 'boolean', fn: (row, at) => fns.every((f) => f(row, at)) }
    : { type: 'boolean', fn: (row, at) => fns.some((f) => f(row, at)) };
}
