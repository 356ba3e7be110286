import { stackEnv, topicsFixture, uniqueName } from '@vigil/test-kit';
import { sleep } from '@vigil/timing';
import type { Admin, Kafka, Producer } from 'kafkajs';
import type { Cleanup } from './cleanup.ts';
import type { BenchMessage } from './records.ts';

/** Creates one uniquely named topic per prefix with `partitions` partitions; the cleanup deletes them. */
export async function benchTopics<const K extends readonly string[]>(
  admin: Admin,
  cleanup: Cleanup,
  prefixes: K,
  partitions: number,
): Promise<{ [I in keyof K]: string }> {
  const fixture = await topicsFixture(admin, prefixes, partitions);
  cleanup.add(`topics ${(fixture.topics as readonly string[]).join(', ')}`, fixture.cleanup);
  return fixture.topics;
}

/** A unique consumer group name whose committed offsets the cleanup deletes. */
export function benchGroup(admin: Admin, cleanup: Cleanup, prefix: string): string {
  const groupId = uniqueName(prefix);
  cleanup.add(`group ${groupId}`, () => admin.deleteGroups([groupId]));
  return groupId;
}

/** Deletes (soft, then permanently) the registry subject of each topic's values. */
export function forgetSubjects(cleanup: Cleanup, topics: readonly string[]): void {
  cleanup.add(`registry subjects of ${topics.join(', ')}`, async () => {
    for (const topic of topics) {
      const url = `${stackEnv.registryUrl}/subjects/${encodeURIComponent(`${topic}-value`)}`;
      await fetch(url, { method: 'DELETE' });
      await fetch(`${url}?permanent=true`, { method: 'DELETE' });
    }
  });
}

/**
 * Most records in one preload request. The broker refuses a record batch over
 * `message.max.bytes` (1 MiB); 6,000 records of ~300 bytes over 4 partitions
 * stay well below it per partition.
 */
const PRELOAD_CHUNK = 6_000;

/** Writes `messages` to `topic` as fast as the broker takes them: large `sendBatch` calls, two in flight. */
export async function preload(producer: Producer, topic: string, messages: readonly BenchMessage[]): Promise<number> {
  const started = performance.now();
  const inFlight: Promise<unknown>[] = [];
  for (let start = 0; start < messages.length; start += PRELOAD_CHUNK) {
    const chunk = messages.slice(start, start + PRELOAD_CHUNK);
    inFlight.push(producer.sendBatch({ topicMessages: [{ topic, messages: chunk }], acks: 1 }));
    if (inFlight.length >= 2) await inFlight.shift();
  }
  await Promise.all(inFlight);
  return (performance.now() - started) / 1000;
}

/** Records on `topics` now: the sum of every partition's end offset (the topics are fresh, so they start at 0). */
export async function endOffsetSum(admin: Admin, topics: readonly string[]): Promise<number> {
  let sum = 0;
  for (const topic of topics) {
    for (const { high, low } of await admin.fetchTopicOffsets(topic)) sum += Number(high) - Number(low);
  }
  return sum;
}

/**
 * Records of `topic` that consumer group `groupId` has committed: the sum of its committed
 * offsets over the partitions (the topic is fresh, so it starts at 0). A stage commits a
 * record only after its outputs are on Kafka, so this counts the records the stage is done with.
 */
export async function committedSum(admin: Admin, groupId: string, topic: string): Promise<number> {
  let sum = 0;
  for (const { partitions } of await admin.fetchOffsets({ groupId, topics: [topic] })) {
    for (const { offset } of partitions) sum += Math.max(0, Number(offset));
  }
  return sum;
}

/** A record as a tap keeps it: the producer's timestamp and the raw value, decoded only after the run. */
export interface TappedRecord {
  topic: string;
  timestamp: number;
  value: Buffer;
}

/**
 * Reads `topics` from the beginning into memory as the records come, with a
 * throw-away group and no decoding, so that watching a run costs it little CPU.
 */
export async function tapTopics(
  kafka: Kafka,
  topics: readonly string[],
): Promise<{ records: TappedRecord[]; stop: () => Promise<void> }> {
  const groupId = uniqueName('bench-tap');
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 50 });
  const records: TappedRecord[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [...topics], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      for (const message of batch.messages) {
        records.push({
          topic: batch.topic,
          timestamp: Number(message.timestamp),
          value: message.value ?? Buffer.alloc(0),
        });
      }
    },
  });
  let stopping: Promise<void> | undefined;
  // Idempotent; the empty group is deleted too, or the broker would keep it.
  const stop = () => {
    stopping ??= (async () => {
      await consumer.disconnect();
      const admin = kafka.admin();
      await admin.connect();
      try {
        await admin.deleteGroups([groupId]);
      } finally {
        await admin.disconnect();
      }
    })();
    return stopping;
  };
  return { records, stop };
}

export interface DrainOptions {
  admin: Admin;
  /** The group of the process under test: the clock starts when it has joined (its first fetch follows at once). */
  groupId: string;
  /** Fresh topics the process writes to (outputs and dead letters). */
  outputs: readonly string[];
  /** Records that must appear on `outputs` in total (or that `progress` must count). */
  expected: number;
  /** Counts the records done so far instead of the outputs' end offsets (e.g. `committedSum` of a later stage). */
  progress?: () => Promise<number>;
  /** False once the process under test died: the measurement fails instead of waiting for the timeout. */
  alive: () => boolean;
  timeoutMs?: number;
  pollMs?: number;
  /** Called when the clock starts (to sample the process's CPU time, for example). */
  onStart?: () => Promise<void> | void;
}

export interface DrainResult {
  records: number;
  /** From the group's join to the last expected record on the outputs. */
  seconds: number;
  /** From the group's join to the first record on the outputs: start-up cost inside `seconds`. */
  firstOutputSeconds: number;
}

/**
 * Times a consume → produce run without adding load: polls the consumer group's
 * state and then the outputs' end offsets through the admin API (every 50 ms by
 * default) instead of consuming the outputs. The resolution is the poll period.
 */
export async function measureDrain(options: DrainOptions): Promise<DrainResult> {
  const pollMs = options.pollMs ?? 50;
  const deadline = Date.now() + (options.timeoutMs ?? 600_000);
  const check = (waitingFor: string) => {
    if (!options.alive()) throw new Error(`the process under test exited while waiting for ${waitingFor}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${waitingFor}`);
  };

  for (;;) {
    check(`group ${options.groupId} to join`);
    const { groups } = await options.admin.describeGroups([options.groupId]);
    if (groups[0]?.state === 'Stable') break;
    await sleep(pollMs);
  }
  await options.onStart?.();
  const started = performance.now();
  let firstOutput: number | undefined;
  let seen = 0;
  for (;;) {
    const where = options.progress ? 'done' : `on ${options.outputs.join(', ')}`;
    check(`${options.expected} records ${where} (${seen} so far)`);
    seen = await (options.progress?.() ?? endOffsetSum(options.admin, options.outputs));
    const now = performance.now();
    if (seen > 0) firstOutput ??= now;
    if (seen >= options.expected) {
      return {
        records: seen,
        seconds: (now - started) / 1000,
        firstOutputSeconds: ((firstOutput ?? now) - started) / 1000,
      };
    }
    await sleep(pollMs);
  }
}
