import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TailRecord } from './format.ts';
import { Backlog, byTime, type PartitionRange, startOffsets, type TailOptions } from './tail.ts';

const ranges: PartitionRange[] = [
  { partition: 0, low: 0n, high: 100n },
  { partition: 1, low: 95n, high: 98n },
  { partition: 2, low: 7n, high: 7n },
];
const options = (more: Partial<TailOptions>): TailOptions => ({
  topic: 't',
  fromBeginning: false,
  follow: false,
  ...more,
});

describe('startOffsets', () => {
  it('goes back --max records on every partition (10 by default), never before the first one left', () => {
    assert.deepEqual(
      [...startOffsets(ranges, options({}))],
      [
        [0, 90n],
        [1, 95n],
        [2, 7n],
      ],
    );
    assert.deepEqual(
      [...startOffsets(ranges, options({ max: 2 }))],
      [
        [0, 98n],
        [1, 96n],
        [2, 7n],
      ],
    );
    assert.deepEqual(
      [...startOffsets(ranges, options({ max: 0, follow: true }))],
      [
        [0, 100n],
        [1, 98n],
        [2, 7n],
      ],
    );
  });

  it('starts at the first offset left with --from-beginning, whatever --max says', () => {
    assert.deepEqual(
      [...startOffsets(ranges, options({ fromBeginning: true, max: 1 }))],
      [
        [0, 0n],
        [1, 95n],
        [2, 7n],
      ],
    );
  });
});

describe('Backlog', () => {
  it('is done once every partition with records to read reached the end it had at the start', () => {
    const backlog = new Backlog(ranges, startOffsets(ranges, options({ max: 2 })));
    assert.equal(backlog.done, false);
    backlog.reached(0, 98n);
    assert.equal(backlog.done, false);
    backlog.reached(0, 99n);
    backlog.reached(1, 97n);
    assert.equal(backlog.done, true);
  });

  it('tells records before the start and records that came after it', () => {
    const backlog = new Backlog(ranges, startOffsets(ranges, options({ max: 2 })));
    assert.equal(backlog.beforeStart(0, 97n), true);
    assert.equal(backlog.beforeStart(0, 98n), false);
    assert.equal(backlog.isNew(0, 99n), false);
    assert.equal(backlog.isNew(0, 100n), true);
    assert.equal(new Backlog(ranges, startOffsets(ranges, options({ max: 0, follow: true }))).done, true);
  });
});

describe('byTime', () => {
  it('orders by timestamp, then partition and offset', () => {
    const at = (partition: number, offset: string, timestamp: number) =>
      ({ partition, offset, timestamp }) as TailRecord;
    const sorted = [at(1, '5', 20), at(0, '10', 20), at(0, '9', 20), at(2, '1', 10)].sort(byTime);
    assert.deepEqual(
      sorted.map((r) => `${r.partition}@${r.offset}`),
      ['2@1', '0@9', '0@10', '1@5'],
    );
  });
});
