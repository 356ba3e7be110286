import type { EachBatchPayload } from 'kafkajs';
import { appendTo } from './lists.ts';
import type { SourceRecord } from './types.ts';

/** What the retry loop needs of a group of partition batches from one fetch. */
export interface GroupControl {
  isRunning(): boolean;
  /** True when any partition of the group was revoked or sought meanwhile: the group is abandoned. */
  isStale(): boolean;
  heartbeat(): Promise<void>;
  commit(offsets: readonly { topic: string; partition: number; offset: string }[]): Promise<void>;
}

export function groupControl(payloads: EachBatchPayload[]): GroupControl {
  const first = payloads[0] as EachBatchPayload;
  return {
    isRunning: () => first.isRunning(),
    isStale: () => payloads.some((payload) => payload.isStale()),
    heartbeat: () => first.heartbeat(),
    commit: (offsets) => {
      const byTopic = new Map<string, { partition: number; offset: string }[]>();
      for (const { topic, partition, offset } of offsets) appendTo(byTopic, topic, { partition, offset });
      // Every batch's commitOffsetsIfNecessary commits through the same consumer group.
      return first.commitOffsetsIfNecessary({
        topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
      });
    },
  };
}

/** The records of a group, partition after partition, each in offset order. */
export interface GroupRecords {
  records: SourceRecord[];
  /** For each record, the index of its batch in the group. */
  owner: number[];
}

export function groupRecords(group: EachBatchPayload[]): GroupRecords {
  const records: SourceRecord[] = [];
  const owner: number[] = [];
  group.forEach(({ batch }, index) => {
    for (const message of batch.messages) {
      records.push({ topic: batch.topic, partition: batch.partition, offset: message.offset, message });
      owner.push(index);
    }
  });
  return { records, owner };
}

/** Where a partition's consumption stands after a chunk. */
export interface ChunkOffset {
  topic: string;
  partition: number;
  /** The offset to commit: the next one to read. */
  offset: string;
  /** The partition's high watermark as of the fetch, for the lag. */
  highWatermark: string;
}

/**
 * Resolves, in kafkajs, the last record of each partition in the chunk
 * `records[start..end)` of `group`, and returns the offsets to commit for them.
 */
export function resolveChunk(
  group: EachBatchPayload[],
  { records, owner }: GroupRecords,
  start: number,
  end: number,
): ChunkOffset[] {
  const offsets: ChunkOffset[] = [];
  for (let i = start; i < end; i++) {
    // The last record of a partition in this chunk: the next one belongs to another batch or chunk.
    if (i + 1 < end && owner[i + 1] === owner[i]) continue;
    const payload = group[owner[i] as number] as EachBatchPayload;
    const { batch } = payload;
    const last = records[i] as SourceRecord;
    payload.resolveOffset(last.offset);
    // After the batch's last record, skip what kafkajs filtered out behind it
    // (transaction markers) so a restart does not fetch them again.
    const endOfBatch = last.offset === batch.messages[batch.messages.length - 1]?.offset;
    offsets.push({
      topic: batch.topic,
      partition: batch.partition,
      offset: (BigInt(endOfBatch ? batch.lastOffset() : last.offset) + 1n).toString(),
      highWatermark: batch.highWatermark,
    });
  }
  return offsets;
}
