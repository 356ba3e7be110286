import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EachBatchPayload, Offsets } from 'kafkajs';
import { groupControl, groupRecords, resolveChunk } from './group.ts';

/** A partition batch as kafkajs hands it over, recording what the loop resolves and commits. */
function batch(topic: string, partition: number, offsets: number[], lastOffset: number, resolved: string[]) {
  const committed: Offsets[] = [];
  const payload = {
    batch: {
      topic,
      partition,
      highWatermark: String(lastOffset + 11),
      messages: offsets.map((offset) => ({ offset: String(offset) })),
      lastOffset: () => String(lastOffset),
    },
    resolveOffset: (offset: string) => resolved.push(`${topic}/${partition}@${offset}`),
    commitOffsetsIfNecessary: async (offsets: Offsets) => {
      committed.push(offsets);
    },
  } as unknown as EachBatchPayload;
  return { payload, committed };
}

describe('groupRecords and resolveChunk', () => {
  it('orders records partition after partition and resolves the last one of each partition in a chunk', () => {
    const resolved: string[] = [];
    // b/0's batch ends on a transaction marker at 9 that kafkajs filtered out.
    const group = [batch('a', 0, [3, 4, 5], 5, resolved).payload, batch('b', 0, [7, 8], 9, resolved).payload];
    const gathered = groupRecords(group);
    assert.deepEqual(
      gathered.records.map((r) => `${r.topic}/${r.partition}@${r.offset}`),
      ['a/0@3', 'a/0@4', 'a/0@5', 'b/0@7', 'b/0@8'],
    );
    assert.deepEqual(gathered.owner, [0, 0, 0, 1, 1]);

    // A chunk ending inside a/0: commit after its last record there.
    assert.deepEqual(resolveChunk(group, gathered, 0, 2), [
      { topic: 'a', partition: 0, offset: '5', highWatermark: '16' },
    ]);
    // The rest: the end of a/0's batch, and b/0 past the marker behind its last record.
    assert.deepEqual(resolveChunk(group, gathered, 2, 5), [
      { topic: 'a', partition: 0, offset: '6', highWatermark: '16' },
      { topic: 'b', partition: 0, offset: '10', highWatermark: '20' },
    ]);
    assert.deepEqual(resolved, ['a/0@4', 'a/0@5', 'b/0@8']);
  });
});

describe('groupControl', () => {
  it('commits every partition of the group in one request, per topic', async () => {
    const first = batch('a', 0, [1], 1, []);
    const control = groupControl([first.payload, batch('b', 2, [1], 1, []).payload]);
    await control.commit([
      { topic: 'a', partition: 0, offset: '2' },
      { topic: 'b', partition: 2, offset: '5' },
      { topic: 'a', partition: 1, offset: '7' },
    ]);
    assert.deepEqual(first.committed, [
      {
        topics: [
          {
            topic: 'a',
            partitions: [
              { partition: 0, offset: '2' },
              { partition: 1, offset: '7' },
            ],
          },
          { topic: 'b', partitions: [{ partition: 2, offset: '5' }] },
        ],
      },
    ]);
  });
});
