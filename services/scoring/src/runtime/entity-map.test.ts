import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EntityMap } from './entity-map.ts';

describe('EntityMap', () => {
  it('drops the least recently used past max; get and snapshot are not a use', () => {
    const map = new EntityMap<{ n: number }>(2);
    let created = 0;
    const make = () => ({ n: ++created });
    map.use('a', make);
    map.use('b', make);
    map.use('a', make); // a is now the most recent
    assert.equal(map.get('b')?.n, 2); // not a use: b stays the least recent
    map.use('c', make);
    assert.equal(map.size, 2);
    assert.equal(map.get('b'), undefined);
    assert.deepEqual(Object.keys(map.snapshot(undefined, (v) => v.n)), ['a', 'c']);
    assert.deepEqual(
      map.snapshot(['c', 'zz'], (v) => v.n),
      { c: 3 },
    );
    assert.equal(created, 3);
  });

  it('keeps no more than max entities at any size of the bound', () => {
    const unbounded = new EntityMap<{ i: number }>(Number.MAX_SAFE_INTEGER);
    for (let i = 0; i < 1000; i++) unbounded.use(`e${i}`, () => ({ i }));
    assert.equal(unbounded.size, 1000);
    const one = new EntityMap<{ i: number }>(0);
    one.use('x', () => ({ i: 1 }));
    one.use('y', () => ({ i: 2 }));
    assert.deepEqual(
      one.snapshot(undefined, (v) => v.i),
      { y: 2 },
    );
  });
});
