import type { Admin } from 'kafkajs';

/**
 * Records of `topics` that consumer group `groupId` has not committed yet
 * (every record, before its first commit). A stage commits only after its
 * outputs are acknowledged, so a lag of 0 means they are all on Kafka.
 */
export async function consumerLag(admin: Admin, groupId: string, topics: readonly string[]): Promise<number> {
  const [ends, committed] = await Promise.all([
    Promise.all(topics.map((topic) => admin.fetchTopicOffsets(topic))),
    admin.fetchOffsets({ groupId, topics: [...topics] }),
  ]);
  let lag = 0;
  topics.forEach((topic, i) => {
    const partitions = committed.find((c) => c.topic === topic)?.partitions ?? [];
    const done = new Map(partitions.map((p) => [p.partition, Math.max(0, Number(p.offset))]));
    for (const end of ends[i] ?? []) lag += Number(end.high) - (done.get(end.partition) ?? 0);
  });
  return lag;
}
