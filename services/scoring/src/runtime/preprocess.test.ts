import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { columnsOf } from './columns.ts';
import { EntityHistory } from './history.ts';
import { checkSteps, compilePreprocess, historyRows, type Step } from './preprocess.ts';
import type { ScoringRecord } from './types.ts';

/** Runs `steps` on one record (with optional previous raw records, oldest first); returns the final row by column. */
function run(
  steps: Step[],
  record: ScoringRecord,
  previous: number[][] = [],
  values = ['x', 'y'],
  attrs: string[] = ['mode'],
): Record<string, number> {
  const { columns, problems } = checkSteps(steps, values, attrs);
  assert.deepEqual(problems, []);
  const inputs = { values, features: [], attrs };
  const pre = compilePreprocess(steps, inputs, columns);
  let past: EntityHistory | undefined;
  if (previous.length > 0) {
    past = new EntityHistory(previous.length, values.length);
    for (const p of previous) past.push(Float64Array.from(p), 0);
  }
  const { numbers, attrs: cells } = columnsOf([record], inputs);
  const row = new Float64Array(columns.length);
  pre.apply(row, 0, numbers, 0, past, cells, 0);
  return Object.fromEntries(columns.map((c, i) => [c, row[i] as number]));
}

const rec = (values: Record<string, number>, attrs: Record<string, string> = {}): ScoringRecord => ({
  entity: 'e',
  ts: 0,
  values,
  attrs,
});

describe('pre-processing steps', () => {
  it('impute fills NaN only', () => {
    assert.deepEqual(run([{ op: 'impute', values: { x: 7, y: 8 } }], rec({ x: 1 })), { x: 1, y: 8 });
  });

  it('clip bounds max then min, null unbounded, NaN stays', () => {
    const clip: Step = { op: 'clip', bounds: { x: [0, 1], y: [null, 5] } };
    assert.deepEqual(run([clip], rec({ x: -3, y: -30 })), { x: 0, y: -30 });
    assert.deepEqual(run([clip], rec({ x: 3, y: 30 })), { x: 1, y: 5 });
    assert.ok(Number.isNaN(run([clip], rec({ y: 1 })).x));
  });

  it('log1p is NaN at or below -1', () => {
    const out = run([{ op: 'log1p', columns: ['x', 'y'] }], rec({ x: Math.E - 1, y: -1 }));
    assert.equal(out.x, 1);
    assert.ok(Number.isNaN(out.y));
  });

  it('scale divides by std', () => {
    assert.equal(run([{ op: 'scale', params: { x: { mean: 0.1, std: 3 } } }], rec({ x: 0.7 })).x, (0.7 - 0.1) / 3);
  });

  it('lag and diff read the raw records of the entity, NaN when there are too few', () => {
    const steps: Step[] = [
      { op: 'scale', params: { x: { mean: 100, std: 1 } } },
      {
        op: 'lag',
        items: [
          { column: 'x', lag: 0, as: 'x0' },
          { column: 'x', lag: 1, as: 'x1' },
          { column: 'x', lag: 2, as: 'x2' },
        ],
      },
      { op: 'diff', items: [{ column: 'x', lag: 2, as: 'dx2' }] },
    ];
    assert.equal(historyRows(steps), 2);
    const out = run(steps, rec({ x: 10 }), [
      [4, 0],
      [7, 0],
    ]);
    assert.deepEqual(out, { x: -90, y: Number.NaN, x0: 10, x1: 7, x2: 4, dx2: 6 });
    const first = run(steps, rec({ x: 10 }), [[7, 0]]);
    assert.equal(first.x1, 7);
    assert.ok(Number.isNaN(first.x2) && Number.isNaN(first.dx2));
  });

  it('onehot matches the attribute exactly; absent or unknown is all zeros', () => {
    const step: Step = {
      op: 'onehot',
      attr: 'mode',
      categories: [
        { value: 'low', as: 'mode=low' },
        { value: 'high', as: 'mode=high' },
      ],
    };
    const pick = (o: Record<string, number>) => [o['mode=low'], o['mode=high']];
    assert.deepEqual(pick(run([step], rec({}, { mode: 'high' }))), [0, 1]);
    assert.deepEqual(pick(run([step], rec({}, { mode: 'High' }))), [0, 0]);
    assert.deepEqual(pick(run([step], rec({}))), [0, 0]);
  });
});
