import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileExpr, MAX_DEPTH, RuleError } from './rules.ts';

const COLUMNS = new Map([
  ['a', 0],
  ['b', 1],
  ['z', 2],
  ['n', 3],
]);
// Two records side by side in one buffer: the evaluator reads record 1 at offset 4.
const ROWS = Float64Array.from([2.5, -4, 0, Number.NaN, -1, 3, 0, 7]);

function evaluate(expr: unknown, record: 0 | 1 = 0): number | boolean {
  const compiled = compileExpr(expr, COLUMNS);
  return compiled.fn(ROWS, record * 4);
}

describe('rules expressions', () => {
  it('evaluates numbers, columns and arithmetic in float64', () => {
    const cases: [unknown, number][] = [
      [1.5, 1.5],
      ['a', 2.5],
      [{ add: ['a', 'b'] }, -1.5],
      [{ add: ['a', 'b', 10] }, 8.5],
      [{ mul: ['a', 'b', 0.5] }, -5],
      [{ sub: ['a', 'b'] }, 6.5],
      [{ div: ['b', 'a'] }, -1.6],
      [{ div: ['a', 'z'] }, Number.POSITIVE_INFINITY],
      [{ div: ['z', 'z'] }, Number.NaN],
      [{ abs: 'b' }, 4],
      [{ neg: 'a' }, -2.5],
      [{ abs: { sub: ['b', 'a'] } }, 6.5],
      [{ min: ['a', 'b'] }, -4],
      [{ max: ['a', 'b', 1] }, 2.5],
      [{ min: ['a', 'n'] }, Number.NaN],
      [{ max: ['n', 'a'] }, Number.NaN],
      [{ add: ['a', 'n'] }, Number.NaN],
    ];
    for (const [expr, want] of cases) assert.equal(evaluate(expr), want, JSON.stringify(expr));
  });

  it('compares false whenever a side is NaN, ne included', () => {
    const cases: [unknown, boolean, boolean][] = [
      // expr, record 0 (n = NaN), record 1 (n = 7)
      [{ gt: ['a', 'b'] }, true, false],
      [{ ge: ['a', 2.5] }, true, false],
      [{ lt: ['a', 'b'] }, false, true],
      [{ le: ['b', -4] }, true, false],
      [{ eq: ['z', 0] }, true, true],
      [{ ne: ['a', 'b'] }, true, true],
      [{ eq: ['n', 'n'] }, false, true],
      [{ ne: ['n', 1] }, false, true],
      [{ gt: ['n', 0] }, false, true],
      [{ le: ['n', 0] }, false, false],
      [{ missing: 'n' }, true, false],
      [{ missing: 'a' }, false, false],
      [{ not: { missing: 'n' } }, false, true],
      [{ all: [{ gt: ['a', 0] }, { lt: ['b', 0] }] }, true, false],
      [{ all: [{ gt: ['a', 0] }] }, true, false],
      [{ any: [{ gt: ['n', 0] }, { eq: ['z', 0] }] }, true, true],
      [{ any: [{ gt: ['n', 0] }, false] }, false, true],
      [{ not: { all: [{ gt: ['a', 0] }, { not: { lt: ['b', 0] } }] } }, true, true],
      [{ gt: [{ abs: { sub: ['a', { mul: ['b', 2] }] } }, 10] }, true, false],
      [true, true, true],
    ];
    for (const [expr, r0, r1] of cases) {
      assert.equal(evaluate(expr, 0), r0, `${JSON.stringify(expr)} on record 0`);
      assert.equal(evaluate(expr, 1), r1, `${JSON.stringify(expr)} on record 1`);
    }
  });

  it('types expressions', () => {
    assert.equal(compileExpr({ gt: ['a', 1] }, COLUMNS).type, 'boolean');
    assert.equal(compileExpr({ add: ['a', 1] }, COLUMNS).type, 'number');
    assert.equal(compileExpr(false, COLUMNS).type, 'boolean');
  });

  it('refuses anything outside the grammar, unknown operators first of all', () => {
    const invalid: [unknown, RegExp][] = [
      [{ eval: ['a'] }, /unknown operator "eval"/],
      [{ constructor: ['a'] }, /unknown operator "constructor"/],
      [{ gt: ['a'] }, /gt: takes exactly 2 arguments/],
      [{ sub: ['a', 'b', 'z'] }, /sub: takes exactly 2 arguments/],
      [{ add: ['a'] }, /add: takes at least 2 arguments/],
      [{ all: [] }, /all: needs at least one argument/],
      [{ all: ['a'] }, /all: arguments must be booleans/],
      [{ add: [true, 1] }, /add: arguments must be numbers/],
      [{ not: 'a' }, /not: arguments must be booleans/],
      [{ gt: ['nope', 1] }, /unknown column "nope"/],
      [{ gt: ['a', 1], lt: ['a', 2] }, /exactly one key/],
      [{}, /exactly one key/],
      [{ missing: { abs: 'a' } }, /missing: takes one column name/],
      [{ missing: 'nope' }, /missing: takes one column name/],
      [{ abs: ['a'] }, /exactly one key/],
      [{ gt: 'a' }, /gt: arguments must be a list/],
      [null, /exactly one key/],
      [[1, 2], /exactly one key/],
    ];
    for (const [expr, message] of invalid) {
      assert.throws(() => compileExpr(expr, COLUMNS), { name: 'RuleError', message }, JSON.stringify(expr));
    }
  });

  it(`refuses nesting deeper than ${MAX_DEPTH}`, () => {
    const nest = (depth: number): unknown => (depth === 0 ? 'a' : { neg: nest(depth - 1) });
    assert.equal(compileExpr(nest(MAX_DEPTH), COLUMNS).type, 'number');
    assert.throws(() => compileExpr(nest(MAX_DEPTH + 1), COLUMNS), RuleError);
  });
});
