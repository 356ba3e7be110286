import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { erfc, LikelihoodStore, type Postprocess } from './postprocess.ts';

const SPEC: Postprocess = { method: 'likelihood', shortWindow: 2, longAlpha: 0.5, warmup: 2, minStd: 0.01 };

describe('erfc', () => {
  it('has a fractional error below 1.2e-7 (reference values from Python math.erfc)', () => {
    const reference: [number, number][] = [
      [0, 1],
      [0.1, 0.8875370839817152],
      [0.5, 0.4795001221869535],
      [1, 0.15729920705028513],
      [2, 0.004677734981047265],
      [3, 2.2090496998585438e-5],
      [5, 1.5374597944280351e-12],
      [-0.5, 1.5204998778130465],
      [-1, 1.842700792949715],
      [-3, 1.9999779095030015],
    ];
    for (const [x, want] of reference) {
      assert.ok(Math.abs(erfc(x) - want) <= 1.2e-7 * want, `erfc(${x}) = ${erfc(x)}, expected ${want}`);
    }
  });
});

describe('likelihood post-processing', () => {
  it('passes the warm-up through, then scores recent against long-run (values of the Python kit)', () => {
    const store = new LikelihoodStore(SPEC, 10);
    const got = [0.2, 0.4, 0.9, 0.1].map((c) => store.step('a', c));
    const python = [0.2, 0.4, 0.9997673709209645, 0.3728013944637306];
    got.forEach((g, i) => {
      assert.ok(Math.abs(g - (python[i] as number)) < 1e-7, `record ${i}: ${g} vs ${python[i]}`);
    });
  });

  it('keeps one state per entity; NaN passes through and does not count', () => {
    const store = new LikelihoodStore(SPEC, 10);
    assert.equal(store.step('a', 0.5), 0.5);
    assert.equal(store.step('b', 0.9), 0.9);
    assert.ok(Number.isNaN(store.step('a', Number.NaN)));
    assert.equal(store.step('b', 0.9), 0.9);
    assert.equal(store.step('a', 0.5), 0.5); // a's second scored record: still warming up
  });

  it('exports and imports an entity state exactly', () => {
    const a = new LikelihoodStore(SPEC, 10);
    for (const c of [0.2, 0.4, 0.9]) a.step('e', c);
    const b = new LikelihoodStore(SPEC, 10);
    assert.equal(b.import(a.export(['e', 'unknown'])), 1);
    assert.deepEqual(b.export(), a.export());
    assert.equal(b.step('e', 0.1), a.step('e', 0.1));
  });
});
