import type { Logger } from '@vigil/logging';
import type { Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import type { Registry } from 'prom-client';
import { BackgroundCommit } from './commits.ts';
import { kafkaCall } from './failure.ts';
import { FETCH_WORKERS, type FetchGatherer, gatherFetches } from './gather.ts';
import { type GroupControl, groupControl, groupRecords, resolveChunk } from './group.ts';
import { type ConsumerMetrics, countChunk, createConsumerMetrics, setLag } from './metrics.ts';
import { chunkMessages, publish } from './publish.ts';
import { ChunkRetry } from './retry.ts';
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

/**
 * At-least-once consume → process → publish → commit loop.
 *
 * For each chunk of a fetched batch: the handler decides every record's
 * outcome; outputs and dead letters go out in one idempotent `sendBatch`;
 * `afterPublish` runs; only then is the offset after the chunk committed. A
 * transient failure anywhere retries the chunk with capped exponential backoff
 * (heartbeating meanwhile) until it succeeds, the consumer stops, or the
 * partition is revoked; nothing of an unfinished chunk is committed.
 *
 * This file holds the run state (joined, closing, failed) and the order of the
 * steps; `group.ts` turns a fetch into records and offsets, `publish.ts` builds
 * and sends a chunk's messages, `commits.ts` keeps the commit in flight,
 * `retry.ts` retries a step, `metrics.ts` counts.
 */
export class BatchConsumer {
  private readonly options: BatchConsumerOptions;
  private readonly consumer: Consumer;
  private readonly metrics: ConsumerMetrics;
  private readonly maxBatchRecords: number;
  private readonly maxRequestBytes: number;
  private readonly retry: ChunkRetry;
  private readonly commit = new BackgroundCommit();
  private joined = false;
  private closing: Promise<void> | undefined;
  /** Gathers the partition batches of each fetch into one group for processGroup. */
  private readonly fetches: FetchGatherer;
  /** Set by a fatal error: from then on no batch is processed or committed, so a restart resumes where it failed. */
  private failed = false;

  constructor(options: BatchConsumerOptions) {
    this.options = options;
    this.maxBatchRecords = options.maxBatchRecords ?? 5_000;
    this.maxRequestBytes = options.maxRequestBytes ?? 768 * 1024;
    this.metrics = createConsumerMetrics(options.metrics.registry);
    this.retry = new ChunkRetry({
      stage: options.stage,
      logger: options.logger,
      metrics: this.metrics,
      retry: options.retry,
      failed: () => this.failed,
      closing: () => this.closing !== undefined,
      fatal: (error) => this.fatal(error),
    });
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
      this.commit.forget();
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
    const streak = this.retry.streak();
    if (streak) checks.processing = `retrying since ${new Date(streak.since).toISOString()}: ${streak.code}`;
    if (this.failed) checks.processing = 'failed';
    return {
      ready: this.joined && !this.failed && streak === undefined && this.closing === undefined,
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
      await this.commit.settled();
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
    const { stage } = this.options;
    const control = groupControl(group);
    const gathered = groupRecords(group);
    const { records } = gathered;
    for (let start = 0; start < records.length; start += this.maxBatchRecords) {
      const end = Math.min(start + this.maxBatchRecords, records.length);
      const chunk = start === 0 && end === records.length ? records : records.slice(start, end);
      const stopTimer = this.metrics.batchDuration.startTimer({ stage });
      const outcomes = await this.processChunk(chunk, control);
      if (outcomes === undefined) return;
      countChunk(this.metrics, stage, chunk, outcomes);
      const offsets = resolveChunk(group, gathered, start, end);
      // Commits go out one at a time, in order, each after its chunk is published.
      await this.commit.previous();
      // Published means committed, also when close() began meanwhile: one attempt
      // is made even then, so a clean stop leaves nothing to re-deliver.
      this.commit.send(() =>
        this.retry.untilDone(
          'commit',
          control,
          async () => {
            await control.commit(offsets);
            return true;
          },
          { evenWhileStopping: true },
        ),
      );
      if (!control.isRunning() || this.closing) await this.commit.settled();
      stopTimer();
      setLag(this.metrics, stage, offsets);
    }
  }

  /** Process, publish, afterPublish for one chunk; undefined when the consumer stopped or lost the partition first. */
  private processChunk(records: SourceRecord[], control: GroupControl): Promise<RecordOutcome[] | undefined> {
    const { handler, producer, stage } = this.options;
    return this.retry.untilDone('process', control, async () => {
      const outcomes = await handler.process(records);
      if (outcomes.length !== records.length) {
        throw new Error(`handler returned ${outcomes.length} outcomes for ${records.length} records`);
      }
      await publish(producer, chunkMessages(records, outcomes, stage), this.maxRequestBytes);
      if (handler.afterPublish) await handler.afterPublish(records, outcomes);
      return outcomes;
    });
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
