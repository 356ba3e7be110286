import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeCursor, encodeCursor, pageOf } from './paging.ts';

describe('paging', () => {
  it('round-trips a cursor and refuses one it did not make', () => {
    assert.deepEqual(decodeCursor(encodeCursor(['b', 3]), 2), ['b', 3]);
    for (const bad of ['', 'not base64 json', encodeCursor(['a']), Buffer.from('{"a":1}').toString('base64url')]) {
      assert.throws(() => decodeCursor(bad, 2), { code: 'VIGIL_CONTROL_BAD_REQUEST' });
    }
    assert.throws(() => decodeCursor(Buffer.from('[null, 1]').toString('base64url'), 2), {
      code: 'VIGIL_CONTROL_BAD_REQUEST',
    });
  });

  it('shows `limit` rows of limit + 1 and a cursor after the last shown, none on the last page', () => {
    const rows = ['a', 'b', 'c'];
    const first = pageOf(
      rows,
      2,
      (r) => [r],
      (r) => r.toUpperCase(),
    );
    assert.deepEqual(first.items, ['A', 'B']);
    assert.deepEqual(decodeCursor(first.nextCursor as string, 1), ['b']);
    assert.deepEqual(
      pageOf(
        ['c'],
        2,
        (r) => [r],
        (r) => r,
      ),
      { items: ['c'], nextCursor: null },
    );
    assert.deepEqual(
      pageOf(
        ['a', 'b'],
        2,
        (r) => [r],
        (r) => r,
      ),
      { items: ['a', 'b'], nextCursor: null },
    );
  });
});
