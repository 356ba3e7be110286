import { textTable } from '@vigil/table';
import type { Admin } from 'kafkajs';

export interface PartitionOffsets {
  partition: number;
  /** First offset still on the partition. */
  low: number;
  /** End offset: the offset the next record will get. */
  high: number;
}

export interface TopicRow {
  topic: string;
  partitions: PartitionOffsets[];
  /** Records on the topic now: end minus start, summed over the partitions. */
  records: number;
  /** Records ever written: the end offsets summed. */
  endOffset: number;
}

/** Topics whose offsets are asked for at once. */
const CONCURRENCY = 16;

/** Kafka's own topics (`__consumer_offsets`, `__transaction_state`, ...). */
export function isInternalTopic(topic: string): boolean {
  return topic.startsWith('__');
}

/** End offsets of one topic, summed. */
export function topicRow(topic: string, partitions: readonly PartitionOffsets[]): TopicRow {
  const sorted = [...partitions].sort((a, b) => a.partition - b.partition);
  return {
    topic,
    partitions: sorted,
    records: sorted.reduce((sum, p) => sum + (p.high - p.low), 0),
    endOffset: sorted.reduce((sum, p) => sum + p.high, 0),
  };
}

/** Offsets of every partition of `topic`, as numbers. */
export async function partitionOffsets(admin: Admin, topic: string): Promise<PartitionOffsets[]> {
  return (await admin.fetchTopicOffsets(topic)).map((p) => ({
    partition: p.partition,
    low: Number(p.low),
    high: Number(p.high),
  }));
}

/** Topics by name, with their partitions and offsets; Kafka's internal topics only with `all`. */
export async function readTopics(admin: Admin, options: { match?: string; all: boolean }): Promise<TopicRow[]> {
  const names = (await admin.listTopics())
    .filter((topic) => options.all || !isInternalTopic(topic))
    .filter((topic) => options.match === undefined || topic.includes(options.match))
    .sort();
  const rows: TopicRow[] = [];
  for (let i = 0; i < names.length; i += CONCURRENCY) {
    const chunk = names.slice(i, i + CONCURRENCY);
    rows.push(
      ...(await Promise.all(chunk.map(async (topic) => topicRow(topic, await partitionOffsets(admin, topic))))),
    );
  }
  return rows;
}

/** A count as the tables print it: thousands separated. */
export const formatCount = (n: number): string => n.toLocaleString('en-US');

export function topicsTable(rows: readonly TopicRow[]): string {
  return textTable(
    ['topic', 'partitions', 'records', 'end offset'],
    rows.map((r) => [r.topic, String(r.partitions.length), formatCount(r.records), formatCount(r.endOffset)]),
    { align: ['left', 'right', 'right', 'right'] },
  );
}
