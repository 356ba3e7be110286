import { stackEnv, topicsFixture, uniqueName } from '@vigil/test-kit';
import type { Admin, Producer } from 'kafkajs';
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

export interface DrainOptions {
  admin: Admin;
  /** The group of the process under test: the clock starts when it has joined (its first fetch follows at once). */
  groupId: string;
  /** Fresh topics the process writes to (outputs and dead letters). */
  outputs: readonly string[];
  /** Records that must appear on `outputs` in total. */
  expected: number;
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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
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
    check(`${options.expected} records on ${options.outputs.join(', ')} (${seen} so far)`);
    seen = await endOffsetSum(options.admin, options.outputs);
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
