import { textTable } from '@vigil/table';
import type { Admin } from 'kafkajs';
import { formatCount, type PartitionOffsets, partitionOffsets } from './topics.ts';

export interface PartitionLag {
  partition: number;
  /** Committed offset (the next record the group reads), or null when the group never committed there. */
  committed: number | null;
  end: number;
  /** End minus committed; everything on the partition when nothing was committed. */
  lag: number;
}

export interface GroupTopic {
  topic: string;
  /** Committed offsets summed over the partitions that have one. */
  committed: number;
  end: number;
  lag: number;
  partitions: PartitionLag[];
}

export interface GroupRow {
  groupId: string;
  state: string;
  members: number;
  /** Topics the group committed offsets on; an empty list for a group that never committed. */
  topics: GroupTopic[];
}

/** The lag of one topic from the group's committed offsets and the topic's offsets now. */
export function groupTopic(
  topic: string,
  committed: readonly { partition: number; offset: string }[],
  offsets: readonly PartitionOffsets[],
): GroupTopic {
  const byPartition = new Map(committed.map((c) => [c.partition, Number(c.offset)]));
  const partitions = [...offsets]
    .sort((a, b) => a.partition - b.partition)
    .map(({ partition, low, high }): PartitionLag => {
      const at = byPartition.get(partition);
      // Kafka answers -1 for a partition the group has no offset on.
      const done = at === undefined || at < 0 ? null : at;
      return { partition, committed: done, end: high, lag: Math.max(0, high - (done ?? low)) };
    });
  return {
    topic,
    committed: partitions.reduce((sum, p) => sum + (p.committed ?? 0), 0),
    end: partitions.reduce((sum, p) => sum + p.end, 0),
    lag: partitions.reduce((sum, p) => sum + p.lag, 0),
    partitions,
  };
}

/** Consumer groups by id with their state, member count and lag per topic. */
export async function readGroups(admin: Admin, options: { match?: string }): Promise<GroupRow[]> {
  const ids = (await admin.listGroups()).groups
    .map((g) => g.groupId)
    .filter((id) => options.match === undefined || id.includes(options.match))
    .sort();
  if (ids.length === 0) return [];
  const { groups } = await admin.describeGroups(ids);
  const described = new Map(groups.map((g) => [g.groupId, g]));
  const topicOffsets = new Map<string, Promise<PartitionOffsets[] | undefined>>();
  // A group may keep offsets of a topic deleted since: its end is unknown, so it is left out.
  const offsetsOf = (topic: string) => {
    let offsets = topicOffsets.get(topic);
    if (!offsets) {
      offsets = partitionOffsets(admin, topic).catch(() => undefined);
      topicOffsets.set(topic, offsets);
    }
    return offsets;
  };
  const rows: GroupRow[] = [];
  for (const groupId of ids) {
    const group = described.get(groupId);
    const topics: GroupTopic[] = [];
    for (const { topic, partitions } of await admin.fetchOffsets({ groupId })) {
      const offsets = await offsetsOf(topic);
      if (offsets && partitions.some((p) => Number(p.offset) >= 0)) topics.push(groupTopic(topic, partitions, offsets));
    }
    topics.sort((a, b) => a.topic.localeCompare(b.topic));
    rows.push({ groupId, state: group?.state ?? 'Unknown', members: group?.members.length ?? 0, topics });
  }
  return rows;
}

export function groupsTable(rows: readonly GroupRow[]): string {
  const lines = rows.flatMap((g) => {
    const head = [g.groupId, g.state, String(g.members)];
    if (g.topics.length === 0) return [[...head, '–', '–', '–', '–']];
    return g.topics.map((t) => [...head, t.topic, formatCount(t.committed), formatCount(t.end), formatCount(t.lag)]);
  });
  return textTable(['group', 'state', 'members', 'topic', 'committed', 'end offset', 'lag'], lines, {
    align: ['left', 'left', 'right', 'left', 'right', 'right', 'right'],
  });
}
