import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PumpFeed } from './pump-feed.ts';

const files = [
  [{ a: 0 }, { a: 1 }, { a: 2 }],
  [{ a: 10 }, { a: 11 }],
];

describe('PumpFeed', () => {
  it('goes round the pumps, each replaying its file in order from its own row, with fresh ids', () => {
    const feed = new PumpFeed(files, 'run', 3);
    const records = feed.next(9, (step) => 1_000 + step);
    assert.deepEqual(
      records.map((r) => r.entity),
      [
        'run-pump-0',
        'run-pump-1',
        'run-pump-2',
        'run-pump-0',
        'run-pump-1',
        'run-pump-2',
        'run-pump-0',
        'run-pump-1',
        'run-pump-2',
      ],
    );
    assert.equal(new Set(records.map((r) => r.id)).size, 9);
    assert.deepEqual(
      records.filter((r) => r.entity === 'run-pump-0').map((r) => r.ts),
      [1_000, 1_001, 1_002],
    );
    // Pump 0 plays file 0 from row 0; pump 1 plays file 1 from row 7,919 mod 2 = 1, and wraps around.
    assert.deepEqual(
      records.filter((r) => r.entity === 'run-pump-0').map((r) => r.values.a),
      [0, 1, 2],
    );
    assert.deepEqual(
      records.filter((r) => r.entity === 'run-pump-1').map((r) => r.values.a),
      [11, 10, 11],
    );
    assert.equal(feed.count, 9);
  });

  it("passes each pump's previous event time, so a paced feed can keep it increasing", () => {
    const feed = new PumpFeed(files, 'run', 2);
    const first = feed.next(2, (_, previous) => Math.max(5, (previous ?? 0) + 1));
    const second = feed.next(2, (_, previous) => Math.max(5, (previous ?? 0) + 1));
    assert.deepEqual(
      [...first, ...second].map((r) => r.ts),
      [5, 5, 6, 6],
    );
    assert.equal(second[0]?.id, 'run-2');
  });
});
