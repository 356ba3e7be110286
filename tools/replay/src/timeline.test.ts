import assert from 'node:assert/strict';
import { test } from 'node:test';
import { interleave, retimer, sequential } from './timeline.ts';
import type { LabelledRecord } from './types.ts';

const span = { firstTs: 1_000_000, lastTs: 1_010_000 };
const NOW = 5_000_000;

test('now puts the first record at now, end the last; spacing kept or divided by the speed-up', () => {
  const now = retimer(span, { shift: 'now', speedup: 1, now: NOW });
  assert.deepEqual([now(1_000_000), now(1_004_000), now(1_010_000)], [NOW, NOW + 4_000, NOW + 10_000]);
  const end = retimer(span, { shift: 'end', speedup: 1, now: NOW });
  assert.deepEqual([end(1_000_000), end(1_010_000)], [NOW - 10_000, NOW]);
  const fastEnd = retimer(span, { shift: 'end', speedup: 10, now: NOW });
  assert.deepEqual([fastEnd(1_000_000), fastEnd(1_005_000), fastEnd(1_010_000)], [NOW - 1_000, NOW - 500, NOW]);
  const none = retimer(span, { shift: 'none', speedup: 1, now: NOW });
  assert.equal(none(1_004_000), 1_004_000);
  const noneFast = retimer(span, { shift: 'none', speedup: 4, now: NOW });
  assert.equal(noneFast(1_004_000), 1_001_000);
});

function stream(entity: string, times: number[]): AsyncIterable<LabelledRecord> {
  return (async function* () {
    for (const [i, ts] of times.entries()) {
      yield { record: { id: `${entity}#${i}`, source: 's', entity, ts, values: {}, attrs: {} } };
    }
  })();
}

async function ids(records: AsyncIterable<LabelledRecord>): Promise<string[]> {
  const out: string[] = [];
  for await (const { record } of records) out.push(record.id);
  return out;
}

test('interleave merges by time, ties to the earlier stream; sequential concatenates', async () => {
  assert.deepEqual(await ids(interleave([stream('a', [1, 3, 5]), stream('b', [2, 3, 4]), stream('c', [])])), [
    'a#0',
    'b#0',
    'a#1',
    'b#1',
    'b#2',
    'a#2',
  ]);
  assert.deepEqual(await ids(sequential([stream('a', [1, 3]), stream('b', [2])])), ['a#0', 'a#1', 'b#0']);
});

test('stopping an interleaved stream early closes every source', async () => {
  const closed: string[] = [];
  const tracked = (entity: string): AsyncIterable<LabelledRecord> =>
    (async function* () {
      try {
        yield* stream(entity, [1, 2, 3]);
      } finally {
        closed.push(entity);
      }
    })();
  for await (const _ of interleave([tracked('a'), tracked('b')])) break;
  assert.deepEqual(closed.sort(), ['a', 'b']);
});
