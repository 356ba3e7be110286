import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EachBatchPayload } from 'kafkajs';
import { gatherFetches } from './gather.ts';

const payload = (partition: number) => ({ batch: { partition } }) as unknown as EachBatchPayload;
const partitions = (group: EachBatchPayload[]) => group.map((p) => p.batch.partition);

describe('gatherFetches', () => {
  it('passes the batches handed over in one tick as one group, groups one at a time', async () => {
    const groups: number[][] = [];
    let running = 0;
    let overlapped = false;
    const fetches = gatherFetches(async (group) => {
      overlapped ||= running > 0;
      running++;
      groups.push(partitions(group));
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
    });
    const first = [0, 1, 2].map((p) => fetches.eachBatch(payload(p)));
    await new Promise((resolve) => setImmediate(resolve));
    const second = [3].map((p) => fetches.eachBatch(payload(p)));
    await Promise.all([...first, ...second]);
    await fetches.settled();
    assert.deepEqual(groups, [[0, 1, 2], [3]]);
    assert.equal(overlapped, false);
  });

  it('rejects every batch of a group that failed, and goes on with the next', async () => {
    let calls = 0;
    const fetches = gatherFetches(async () => {
      calls++;
      if (calls === 1) throw new Error('group failed');
    });
    const failed = [fetches.eachBatch(payload(0)), fetches.eachBatch(payload(1))];
    for (const batch of failed) await assert.rejects(batch, /group failed/);
    await fetches.eachBatch(payload(2));
    assert.equal(calls, 2);
  });

  it('settles batches at once, unprocessed, while skip() is true', async () => {
    let calls = 0;
    const fetches = gatherFetches(
      async () => {
        calls++;
      },
      () => true,
    );
    await fetches.eachBatch(payload(0));
    assert.equal(calls, 0);
  });
});
