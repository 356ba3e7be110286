import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ElementState } from './kind.ts';
import { online } from './online.ts';

const ENTRY = {
  name: 'o',
  kind: 'online' as const,
  inputs: ['x', 'y'],
  calibration: { method: 'identity' as const },
  alpha: 0.5,
  warmup: 2,
  minStd: 0.1,
  topContributors: 1,
};
const CONTEXT = {
  columns: ['x', 'y'],
  columnIndex: new Map([
    ['x', 0],
    ['y', 1],
  ]),
  files: new Map(),
  sessionOptions: {},
};

async function run(xs: number[], ys: number[], entities: string[], state?: ElementState) {
  const evaluator = await online.create(ENTRY, CONTEXT);
  const rows = Float64Array.from(xs.flatMap((x, i) => [x, ys[i] as number]));
  const s = state ?? (evaluator.newState?.(10) as ElementState);
  const out = await evaluator.evaluate({ n: xs.length, width: 2, rows, entities }, s);
  return { out, state: s };
}

describe('online element', () => {
  it('scores each record before learning it (values of the Python kit test)', async () => {
    const { out } = await run([1, 3, 2, Number.NaN], [0, 0, 5, Number.NaN], ['e', 'e', 'e', 'e']);
    assert.deepEqual(out.missing, ['WARMING_UP', 'WARMING_UP', null, 'NON_FINITE_INPUT']);
    assert.equal(out.raw[2], Math.sqrt((0 + (5 / 0.1) ** 2) / 2));
    assert.deepEqual(out.contributors(2), [{ signal: 'y', weight: 1 }]);
  });

  it('keeps a state per entity, carried by export and import', async () => {
    const { out, state } = await run([1, 100, 1, 100], [0, 0, 0, 0], ['a', 'b', 'a', 'b']);
    assert.deepEqual(out.missing, ['WARMING_UP', 'WARMING_UP', 'WARMING_UP', 'WARMING_UP']);
    const fresh = (await online.create(ENTRY, CONTEXT)).newState?.(10) as ElementState;
    assert.equal(fresh.import(JSON.parse(JSON.stringify(state.export(['a', 'b', 'c'])))), 2);
    const { out: next } = await run([1, 100], [0, 0], ['a', 'b'], fresh);
    assert.deepEqual([...next.raw], [0, 0]);
  });
});
