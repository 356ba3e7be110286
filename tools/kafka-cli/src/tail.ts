import { randomUUID } from 'node:crypto';
import { sleep } from '@vigil/timing';
import type { Admin, Consumer, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { type AvroDecode, decodeValue } from './decode.ts';
import type { TailRecord } from './format.ts';

/** How many of the latest records `tail` shows when `--max` is not given. */
export const DEFAULT_LATEST = 10;

export interface TailOptions {
  topic: string;
  /** Latest N (default 10), or with `fromBeginning` at most N in all. */
  max?: number;
  fromBeginning: boolean;
  follow: boolean;
}

export interface PartitionRange {
  partition: number;
  /** First offset still on the partition. */
  low: bigint;
  /** The offset the next record will get: the end when the tail started. */
  high: bigint;
}

/**
 * The offset each partition is read from: its earliest one, or far enough
 * back that it can give the latest `latest` records. Reading `latest` from
 * every partition is the least that guarantees the latest `latest` of the
 * topic, by time, are among them.
 */
export function startOffsets(ranges: readonly PartitionRange[], options: TailOptions): Map<number, bigint> {
  const latest = BigInt(options.max ?? DEFAULT_LATEST);
  return new Map(
    ranges.map(({ partition, low, high }) => {
      const back = high - latest;
      return [partition, options.fromBeginning || back < low ? low : back];
    }),
  );
}

/**
 * What the first part of a tail still waits for: every partition read up
 * to the end it had when the tail started. Records past that end came later
 * and are only shown with --follow.
 */
export class Backlog {
  /** Partitions not read up to their end yet, with that end. */
  private readonly waiting = new Map<number, bigint>();
  private readonly ends: ReadonlyMap<number, bigint>;

  constructor(
    ranges: readonly PartitionRange[],
    private readonly starts: ReadonlyMap<number, bigint>,
  ) {
    this.ends = new Map(ranges.map(({ partition, high }) => [partition, high]));
    for (const { partition, high } of ranges) {
      if ((starts.get(partition) ?? high) < high) this.waiting.set(partition, high);
    }
  }

  get done(): boolean {
    return this.waiting.size === 0;
  }

  /** Before the partition's start: a record the seek has not skipped yet. */
  beforeStart(partition: number, offset: bigint): boolean {
    return offset < (this.starts.get(partition) ?? 0n);
  }

  /** At or past the end the partition had at the start. */
  isNew(partition: number, offset: bigint): boolean {
    return offset >= (this.ends.get(partition) ?? 0n);
  }

  /** The consumer has read the partition up to and including `lastOffset`. */
  reached(partition: number, lastOffset: bigint): void {
    const end = this.waiting.get(partition);
    if (end !== undefined && lastOffset + 1n >= end) this.waiting.delete(partition);
  }
}

/** Newest last: by time, then partition and offset for a stable order among equal times. */
export function byTime(a: TailRecord, b: TailRecord): number {
  return a.timestamp - b.timestamp || a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset));
}

function headersOf(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    out[name] = values.map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v))).join(',');
  }
  return out;
}

async function toRecord(
  topic: string,
  partition: number,
  message: KafkaMessage,
  avro: AvroDecode | undefined,
): Promise<TailRecord> {
  return {
    topic,
    partition,
    offset: message.offset,
    timestamp: Number(message.timestamp),
    key: message.key === null ? null : message.key.toString('utf8'),
    headers: headersOf(message.headers),
    value: await decodeValue(message.value, avro),
  };
}

/** Names the throw-away group, so that one left behind by a killed tail says where it came from. */
export function tailGroupId(): string {
  return `vigil-kafka-tail-${randomUUID().slice(0, 8)}`;
}

export interface TailRun {
  /** Records printed. */
  printed: number;
  groupId: string | undefined;
}

/**
 * Prints records of `options.topic` through `print`, as `tail` describes
 * (options.ts): the latest ones, or from the beginning, then new ones with
 * `follow` until `signal` aborts. The consumer group is a fresh one that
 * never commits (kafkajs needs a group; it seeks each partition to its start
 * on joining) and is deleted before this returns.
 */
export async function tail(
  kafka: Kafka,
  admin: Admin,
  options: TailOptions,
  io: {
    /** Writes a record; a promise when the output wants a pause (a slow pipe), so the fetching waits. */
    print: (record: TailRecord) => Promise<void> | undefined;
    avro: AvroDecode | undefined;
    signal: AbortSignal;
  },
): Promise<TailRun> {
  const ranges = (await admin.fetchTopicOffsets(options.topic)).map((p) => ({
    partition: p.partition,
    low: BigInt(p.low),
    high: BigInt(p.high),
  }));
  const starts = startOffsets(ranges, options);
  const backlog = new Backlog(ranges, starts);
  if (backlog.done && !options.follow) return { printed: 0, groupId: undefined };

  const latestFirst = !options.fromBeginning;
  const limit = options.fromBeginning ? options.max : undefined;
  const held: TailRecord[] = [];
  const later: TailRecord[] = [];
  let printed = 0;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const emit = (record: TailRecord): Promise<void> | undefined => {
    if (io.signal.aborted || (limit !== undefined && printed >= limit)) return;
    const written = io.print(record);
    printed += 1;
    if (limit !== undefined && printed >= limit) finish();
    return written;
  };
  // The latest records are printed together, ordered by time, once every partition has given its share.
  const flushBacklog = () => {
    if (latestFirst) {
      for (const record of held.sort(byTime).slice(-(options.max ?? DEFAULT_LATEST))) emit(record);
      for (const record of later) emit(record);
      held.length = 0;
      later.length = 0;
    }
    if (!options.follow) finish();
  };

  io.signal.addEventListener('abort', () => finish(), { once: true });
  if (io.signal.aborted) finish();

  const groupId = tailGroupId();
  const consumer: Consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 250 });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [options.topic], fromBeginning: true });
    // Emitted after the join, before the first fetch: the seeks apply to that fetch.
    consumer.on(consumer.events.GROUP_JOIN, () => {
      for (const [partition, offset] of starts)
        consumer.seek({ topic: options.topic, partition, offset: String(offset) });
    });
    let backlogOpen = !backlog.done;
    // Batches of control records or compacted-away offsets come here too, not to eachBatch.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      backlog.reached(payload.partition, BigInt(payload.lastOffset));
      if (backlogOpen && backlog.done) {
        backlogOpen = false;
        flushBacklog();
      }
    });
    // A crash kafkajs does not restart from ends the tail with its error.
    let crash: Error | undefined;
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) return;
      crash = payload.error;
      finish();
    });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          const offset = BigInt(message.offset);
          if (backlog.beforeStart(batch.partition, offset)) continue;
          const record = await toRecord(batch.topic, batch.partition, message, io.avro);
          if (!backlogOpen) await emit(record);
          else if (!latestFirst) {
            if (!backlog.isNew(batch.partition, offset) || options.follow) await emit(record);
          } else if (backlog.isNew(batch.partition, offset)) {
            if (options.follow) later.push(record);
          } else held.push(record);
        }
      },
    });
    if (!backlogOpen) flushBacklog();
    await finished;
    if (crash) throw crash;
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await deleteGroup(admin, groupId);
  }
  return { printed, groupId };
}

/** Kafka's error codes in a DeleteGroups answer that the cleanup handles. */
const GROUP_ID_NOT_FOUND = 69;
const NON_EMPTY_GROUP = 68;

function groupErrorCode(error: unknown): number | undefined {
  const groups = (error as { groups?: { errorCode?: number }[] }).groups;
  return groups?.[0]?.errorCode;
}

/** Deletes the tail's group; the broker may need a moment after the member left before the group is empty. */
export async function deleteGroup(admin: Admin, groupId: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await admin.deleteGroups([groupId]);
      return;
    } catch (error) {
      const code = groupErrorCode(error);
      if (code === GROUP_ID_NOT_FOUND) return;
      if (code !== NON_EMPTY_GROUP || attempt >= 20) throw error;
      await sleep(250);
    }
  }
}
