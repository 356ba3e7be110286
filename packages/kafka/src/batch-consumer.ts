import type { Logger } from '@vigil/logging';
import type { Consumer, EachBatchPayload, Kafka, Message, Producer, TopicMessages } from 'kafkajs';
import type { Registry } from 'prom-client';
import { buildDeadLetter } from './dead-letter.ts';
import { classifyFailure, kafkaCall } from './failure.ts';
import { FETCH_WORKERS, type FetchGatherer, gatherFetches } from './gather.ts';
import { type ConsumerMetrics, createConsumerMetrics } from './metrics.ts';
import type { BatchHandler, ConsumerStatus, RecordOutcome, SourceRecord } from './types.ts';

export interface BatchConsumerOptions {
  kafka: Kafka;
  /** Connected idempotent producer, owned (and closed) by the caller. */
  producer: Producer;
  groupId: string;
  topics: string[];
  /** Service name: the `stage` metric label and the DLQ stage header. */
  stage: string;
  handler: BatchHandler;
  logger: Logger;
  metrics: { registry: Registry };
  retry: { initialMs: number; maxMs: number };
  /** Largest chunk handed to the handler; bigger fetches are split and committed chunk by chunk. */
  maxBatchRecords?: number;
  /**
   * Most bytes (keys + values) in one produce request. The broker refuses a
   * record batch over its `message.max.bytes` (1 MiB by default), so a chunk's
   * outputs go out in several requests below this. Default 768 KiB.
   */
  maxRequestBytes?: number;
  /**
   * Called once when processing cannot go on (a handler bug, a record the broker
   * refuses, a consumer crash kafkajs will not restart). The consumer has then
   * paused every partition and commits nothing more; the caller should shut down.
   */
  onFatal?: (error: unknown) => void;
  /** How long the group waits for a silent member before giving its partitions away. Default 30 s. */
  sessionTimeoutMs?: number;
  /** Read from the earliest offset when the group has none. Default true: nothing sent before the first start is skipped. */
  fromBeginning?: boolean;
}

function sizeOf(message: Message): number {
  const key = message.key;
  const value = message.value;
  return (
    (key ? (typeof key === 'string' ? Buffer.byteLength(key) : key.length) : 0) +
    (value ? (typeof value === 'string' ? Buffer.byteLength(value) : value.length) : 0) +
    64
  );
}

/** Cuts topic messages into requests of at most `maxBytes` each (a single larger message goes alone). */
export function splitBySize(topicMessages: TopicMessages[], maxBytes: number): TopicMessages[][] {
  const requests: TopicMessages[][] = [];
  let current = new Map<string, Message[]>();
  let bytes = 0;
  const flush = () => {
    if (current.size > 0) requests.push([...current].map(([topic, messages]) => ({ topic, messages })));
    current = new Map();
    bytes = 0;
  };
  for (const { topic, messages } of topicMessages) {
    for (const message of messages) {
      const size = sizeOf(message);
      if (bytes > 0 && bytes + size > maxBytes) flush();
      let list = current.get(topic);
      if (!list) {
        list = [];
        current.set(topic, list);
      }
      list.push(message);
      bytes += size;
    }
  }
  flush();
  return requests;
}

/** What the retry loop needs of a group of partition batches from one fetch. */
interface GroupControl {
  isRunning(): boolean;
  /** True when any partition of the group was revoked or sought meanwhile: the group is abandoned. */
  isStale(): boolean;
  heartbeat(): Promise<void>;
  commit(offsets: { topic: string; partition: number; offset: string }[]): Promise<void>;
}

function groupControl(payloads: EachBatchPayload[]): GroupControl {
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

/** Appends `value` to the list under `key`, creating the list. */
function appendTo<V>(map: Map<string, V[]>, key: string, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * At-least-once consume → process → publish → commit loop.
 *
 * For each chunk of a fetched batch: the handler decides every record's
 * outcome; outputs and dead letters go out in one idempotent `sendBatch`;
 * `afterPublish` runs; only then is the offset after the chunk committed. A
 * transient failure anywhere retries the chunk with capped exponential backoff
 * (heartbeating meanwhile) until it succeeds, the consumer stops, or the
 * partition is revoked; nothing of an unfinished chunk is committed.
 */
export class BatchConsumer {
  private readonly options: BatchConsumerOptions;
  private readonly consumer: Consumer;
  private readonly metrics: ConsumerMetrics;
  private readonly maxBatchRecords: number;
  private readonly maxRequestBytes: number;
  private joined = false;
  private retryingSince: number | undefined;
  private lastTransientCode: string | undefined;
  private closing: Promise<void> | undefined;
  /** Gathers the partition batches of each fetch into one group for processGroup. */
  private readonly fetches: FetchGatherer;
  /**
   * The last chunk's offset commit, sent without waiting for its answer so the
   * next fetch overlaps it; the next chunk awaits it before its own commit, and
   * close() before leaving the group. A group error is kept for that await.
   */
  private pendingCommit: Promise<{ error?: unknown }> = Promise.resolve({});
  /** Set by a fatal error: from then on no batch is processed or committed, so a restart resumes where it failed. */
  private failed = false;

  constructor(options: BatchConsumerOptions) {
    this.options = options;
    this.maxBatchRecords = options.maxBatchRecords ?? 5_000;
    this.maxRequestBytes = options.maxRequestBytes ?? 768 * 1024;
    this.metrics = createConsumerMetrics(options.metrics.registry);
    this.fetches = gatherFetches(
      (payloads) => this.processGroup(payloads),
      () => this.failed || this.closing !== undefined,
    );
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 250,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: Math.min(3_000, Math.floor((options.sessionTimeoutMs ?? 30_000) / 3)),
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
      this.joined = true;
      // A commit refused by the last generation concerns partitions the group has
      // since handed out again; their new owner starts from the last commit.
      this.pendingCommit = Promise.resolve({});
    });
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      this.joined = false;
      if (!event.payload.restart) this.fatal(event.payload.error);
    });
  }

  /**
   * Joins the group and starts consuming. A broker that is not reachable or a
   * topic that does not exist yet throws a retriable VIGIL_KAFKA_UNAVAILABLE, so
   * the caller may wrap start() in lifecycle.retryUntilReady.
   */
  async start(): Promise<void> {
    await kafkaCall('consumer connect', () => this.consumer.connect());
    const fromBeginning = this.options.fromBeginning ?? true;
    await kafkaCall('subscribe', () => this.consumer.subscribe({ topics: this.options.topics, fromBeginning }));
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      // One worker per partition batch of a fetch, so that they are all gathered together.
      partitionsConsumedConcurrently: FETCH_WORKERS,
      eachBatch: (payload) => this.fetches.eachBatch(payload),
    });
  }

  status(): ConsumerStatus {
    const checks: Record<string, string> = { group: this.joined ? 'joined' : 'not joined' };
    if (this.retryingSince !== undefined)
      checks.processing = `retrying since ${new Date(this.retryingSince).toISOString()}: ${this.lastTransientCode}`;
    if (this.failed) checks.processing = 'failed';
    return {
      ready: this.joined && !this.failed && this.retryingSince === undefined && this.closing === undefined,
      checks,
    };
  }

  /**
   * Lets the chunk in flight finish (or abandon its retries) and its commit
   * land, then stops fetching and leaves the group. Batches fetched meanwhile
   * are left unprocessed and uncommitted. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.fetches.settled();
      await this.pendingCommit;
      await this.consumer.disconnect();
    })();
    return this.closing;
  }

  /**
   * Processes the batches of one fetch as chunks of at most `maxBatchRecords`
   * records (partition after partition, each in offset order), so each chunk
   * costs one handler call, one produce and one commit however many partitions
   * it spans. After each chunk, the offset after its last record of every
   * partition it touched is resolved and committed in one request.
   */
  private async processGroup(group: EachBatchPayload[]): Promise<void> {
    if (this.failed) return;
    const control = groupControl(group);
    const records: SourceRecord[] = [];
    const owner: number[] = [];
    group.forEach(({ batch }, index) => {
      for (const message of batch.messages) {
        records.push({ topic: batch.topic, partition: batch.partition, offset: message.offset, message });
        owner.push(index);
      }
    });
    for (let start = 0; start < records.length; start += this.maxBatchRecords) {
      const end = Math.min(start + this.maxBatchRecords, records.length);
      const chunk = start === 0 && end === records.length ? records : records.slice(start, end);
      const stopTimer = this.metrics.batchDuration.startTimer({ stage: this.options.stage });
      const outcomes = await this.processChunk(chunk, control);
      if (outcomes === undefined) return;
      this.count(chunk, outcomes);
      const commits: { payload: EachBatchPayload; next: string }[] = [];
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
        commits.push({ payload, next: (BigInt(endOfBatch ? batch.lastOffset() : last.offset) + 1n).toString() });
      }
      // Commits go out one at a time, in order, each after its chunk is published.
      const previous = await this.pendingCommit;
      if (previous.error !== undefined) {
        this.pendingCommit = Promise.resolve({});
        throw previous.error;
      }
      const offsets = commits.map(({ payload: { batch }, next }) => ({
        topic: batch.topic,
        partition: batch.partition,
        offset: next,
      }));
      // Published means committed, also when close() began meanwhile: one attempt
      // is made even then, so a clean stop leaves nothing to re-deliver.
      this.pendingCommit = this.untilDone(
        'commit',
        control,
        async () => {
          await control.commit(offsets);
          return true;
        },
        { evenWhileStopping: true },
      ).then(
        () => ({}),
        (error: unknown) => ({ error }),
      );
      if (!control.isRunning() || this.closing) await this.pendingCommit;
      stopTimer();
      for (const {
        payload: { batch },
        next,
      } of commits) {
        this.metrics.lag.set(
          { stage: this.options.stage, topic: batch.topic, partition: String(batch.partition) },
          Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(next))),
        );
      }
    }
  }

  /** Process, publish, afterPublish for one chunk; undefined when the consumer stopped or lost the partition first. */
  private processChunk(records: SourceRecord[], control: GroupControl): Promise<RecordOutcome[] | undefined> {
    return this.untilDone('process', control, async () => {
      const outcomes = await this.options.handler.process(records);
      if (outcomes.length !== records.length) {
        throw new Error(`handler returned ${outcomes.length} outcomes for ${records.length} records`);
      }
      for (const topicMessages of splitBySize(this.toTopicMessages(records, outcomes), this.maxRequestBytes)) {
        await this.options.producer.sendBatch({ topicMessages, acks: -1 });
      }
      if (this.options.handler.afterPublish) await this.options.handler.afterPublish(records, outcomes);
      return outcomes;
    });
  }

  private toTopicMessages(records: SourceRecord[], outcomes: RecordOutcome[]): TopicMessages[] {
    const byTopic = new Map<string, Message[]>();
    const push = (topic: string, message: Message) => appendTo(byTopic, topic, message);
    const failedAt = new Date();
    for (let i = 0; i < outcomes.length; i++) {
      const outcome = outcomes[i] as RecordOutcome;
      if (outcome.kind === 'ACK') {
        for (const output of outcome.outputs)
          push(output.topic, { key: output.key, value: output.value, headers: output.headers });
      } else {
        const record = records[i] as SourceRecord;
        const dead = buildDeadLetter({
          message: record.message,
          sourceTopic: record.topic,
          partition: record.partition,
          offset: record.offset,
          code: outcome.code,
          errorMessage: outcome.message,
          stage: this.options.stage,
          failedAt,
        });
        push(dead.topic, dead.message);
      }
    }
    return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
  }

  private count(records: SourceRecord[], outcomes: RecordOutcome[]): void {
    const stage = this.options.stage;
    const inputs = new Map<string, number>();
    for (const record of records) inputs.set(record.topic, (inputs.get(record.topic) ?? 0) + 1);
    for (const [topic, n] of inputs) this.metrics.recordsIn.inc({ stage, topic }, n);
    const out = new Map<string, number>();
    for (const outcome of outcomes) {
      if (outcome.kind === 'DEAD_LETTER') this.metrics.deadLettered.inc({ stage, code: outcome.code });
      else for (const o of outcome.outputs) out.set(o.topic, (out.get(o.topic) ?? 0) + 1);
    }
    for (const [topic, n] of out) this.metrics.recordsOut.inc({ stage, topic }, n);
  }

  /**
   * Runs `step` until it succeeds. Transient failures back off and retry while
   * the consumer runs and owns the partition; returns undefined when it stopped.
   * A lost group membership (seen by the step or by a heartbeat while backing
   * off) is thrown on to kafkajs, which rejoins; the chunk stays uncommitted.
   * Any other failure is fatal, and nothing is committed.
   */
  private async untilDone<T>(
    what: string,
    control: GroupControl,
    step: () => Promise<T>,
    { evenWhileStopping = false } = {},
  ): Promise<T | undefined> {
    let delay = this.options.retry.initialMs;
    for (let attempt = 0; ; attempt++) {
      if (this.failed || control.isStale()) return undefined;
      const stopping = !control.isRunning() || this.closing !== undefined;
      if (stopping && !(evenWhileStopping && attempt === 0)) return undefined;
      try {
        const value = await step();
        if (this.retryingSince !== undefined) {
          this.options.logger.info({ what, retriedForMs: Date.now() - this.retryingSince }, 'recovered');
          this.retryingSince = undefined;
          this.lastTransientCode = undefined;
        }
        return value;
      } catch (error) {
        const failure = classifyFailure(error);
        if (failure.kind === 'group') throw this.leavingChunk(error, what, failure.type);
        if (failure.kind === 'fatal') {
          this.fatal(error);
          return undefined;
        }
        const code = failure.code;
        this.metrics.retries.inc({ stage: this.options.stage, code });
        if (this.retryingSince === undefined) {
          this.retryingSince = Date.now();
          this.options.logger.warn({ err: error, what, code }, 'transient failure; retrying with backoff');
        }
        this.lastTransientCode = code;
        const jittered = delay / 2 + Math.random() * (delay / 2);
        const deadline = Date.now() + jittered;
        while (Date.now() < deadline && control.isRunning() && !this.closing && !control.isStale()) {
          await sleep(Math.min(250, deadline - Date.now()));
          // kafkajs learns of a rebalance from the heartbeat answer; other heartbeat errors wait for the next one.
          await control.heartbeat().catch((beat: unknown) => {
            const failure = classifyFailure(beat);
            if (failure.kind === 'group') throw this.leavingChunk(beat, what, failure.type);
          });
        }
        delay = Math.min(delay * 2, this.options.retry.maxMs);
      }
    }
  }

  private leavingChunk(error: unknown, what: string, type: string): unknown {
    this.options.logger.info({ what, type }, 'group membership lost; chunk left uncommitted, rejoining');
    return error;
  }

  private fatal(error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.options.logger.fatal({ err: error }, 'consumer cannot go on');
    // Stop fetching: with nothing resolved, kafkajs would otherwise fetch the same records again and again.
    try {
      this.consumer.pause(this.options.topics.map((topic) => ({ topic })));
    } catch {
      // A consumer that crashed before it ran has nothing to pause.
    }
    this.options.onFatal?.(error);
  }
}
