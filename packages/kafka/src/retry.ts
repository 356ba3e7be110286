import type { Logger } from '@vigil/logging';
import { backoffDelay, sleep } from '@vigil/timing';
import { classifyFailure } from './failure.ts';
import type { GroupControl } from './group.ts';
import type { ConsumerMetrics } from './metrics.ts';

export interface ChunkRetryOptions {
  stage: string;
  logger: Logger;
  metrics: ConsumerMetrics;
  /** Backoff of transient failures: `initialMs` doubling up to `maxMs`, half jittered. */
  retry: { initialMs: number; maxMs: number };
  /** True once the consumer failed: nothing more is attempted. */
  failed(): boolean;
  /** True once close() began. */
  closing(): boolean;
  /** Marks the consumer failed (a bug or a refusal retrying cannot help). */
  fatal(error: unknown): void;
}

/** The longest sleep between heartbeats while backing off. */
const HEARTBEAT_SLICE_MS = 250;

/**
 * Runs the steps of a chunk (process and publish, commit) until they succeed,
 * and keeps the streak of transient failures that `status()` reports.
 */
export class ChunkRetry {
  private since: number | undefined;
  private lastCode: string | undefined;

  constructor(private readonly options: ChunkRetryOptions) {}

  /** The current streak of transient failures: since when, and the last code. */
  streak(): { since: number; code: string | undefined } | undefined {
    return this.since === undefined ? undefined : { since: this.since, code: this.lastCode };
  }

  /**
   * Runs `step` until it succeeds. Transient failures back off and retry while
   * the consumer runs and owns the partition; returns undefined when it stopped.
   * A lost group membership (seen by the step or by a heartbeat while backing
   * off) is thrown on to kafkajs, which rejoins; the chunk stays uncommitted.
   * Any other failure is fatal, and nothing is committed.
   */
  async untilDone<T>(
    what: string,
    control: GroupControl,
    step: () => Promise<T>,
    { evenWhileStopping = false } = {},
  ): Promise<T | undefined> {
    const { options } = this;
    for (let attempt = 0; ; attempt++) {
      if (options.failed() || control.isStale()) return undefined;
      const stopping = !control.isRunning() || options.closing();
      if (stopping && !(evenWhileStopping && attempt === 0)) return undefined;
      try {
        const value = await step();
        if (this.since !== undefined) {
          options.logger.info({ what, retriedForMs: Date.now() - this.since }, 'recovered');
          this.since = undefined;
          this.lastCode = undefined;
        }
        return value;
      } catch (error) {
        const failure = classifyFailure(error);
        if (failure.kind === 'group') throw this.leavingChunk(error, what, failure.type);
        if (failure.kind === 'fatal') {
          options.fatal(error);
          return undefined;
        }
        const code = failure.code;
        options.metrics.retries.inc({ stage: options.stage, code });
        if (this.since === undefined) {
          this.since = Date.now();
          options.logger.warn({ err: error, what, code }, 'transient failure; retrying with backoff');
        }
        this.lastCode = code;
        await this.backOff(what, control, backoffDelay({ ...options.retry, jitter: 'half' }, attempt));
      }
    }
  }

  /** Sleeps `ms` in slices, heartbeating, until then or until the consumer stops or loses the partition. */
  private async backOff(what: string, control: GroupControl, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline && control.isRunning() && !this.options.closing() && !control.isStale()) {
      await sleep(Math.min(HEARTBEAT_SLICE_MS, deadline - Date.now()));
      // kafkajs learns of a rebalance from the heartbeat answer; other heartbeat errors wait for the next one.
      await control.heartbeat().catch((beat: unknown) => {
        const failure = classifyFailure(beat);
        if (failure.kind === 'group') throw this.leavingChunk(beat, what, failure.type);
      });
    }
  }

  private leavingChunk(error: unknown, what: string, type: string): unknown {
    this.options.logger.info({ what, type }, 'group membership lost; chunk left uncommitted, rejoining');
    return error;
  }
}
