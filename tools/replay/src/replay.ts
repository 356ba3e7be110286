import { sleep } from '@vigil/timing';
import { TokenBucket } from './rate-limiter.ts';
import type { RecordSink } from './sinks/types.ts';
import type { LabelledRecord } from './types.ts';

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = { now: () => performance.now(), sleep: (ms) => sleep(ms) };

export interface ReplayOptions {
  /** Records per second over the whole run; 0 = as fast as possible. */
  rate: number;
  /** Stop after this many records. */
  limit?: number;
  /** Most records per send. */
  batchSize: number;
  /** Also given each batch, after the sink acknowledged it (e.g. the labels file). */
  taps?: readonly RecordSink[];
  /** Called after each batch with the running count. */
  onProgress?: (sent: number) => void;
  /** Stops at the next record; what was read is still sent. */
  signal?: AbortSignal;
  clock?: Clock;
}

export interface ReplaySummary {
  sent: number;
  perEntity: ReadonlyMap<string, number>;
  elapsedMs: number;
  /** Records per second over the run. */
  rate: number;
  /** True when `signal` stopped the run early. */
  interrupted: boolean;
}

/**
 * Streams records into a sink in batches. With a rate, a token bucket paces
 * the records and a batch is sent as soon as the next record would have to
 * wait, so records are never held back by batching. Sends are sequential: the
 * idempotent producer keeps per-partition order only with one request in flight.
 */
export async function runReplay(
  records: AsyncIterable<LabelledRecord>,
  sink: RecordSink,
  options: ReplayOptions,
): Promise<ReplaySummary> {
  const clock = options.clock ?? systemClock;
  const started = clock.now();
  const bucket = options.rate > 0 ? new TokenBucket(options.rate, started) : undefined;
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const perEntity = new Map<string, number>();
  let batch: LabelledRecord[] = [];
  let taken = 0;
  let sent = 0;

  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const ready = batch;
    batch = [];
    await sink.write(ready);
    for (const tap of options.taps ?? []) await tap.write(ready);
    sent += ready.length;
    for (const { record } of ready) perEntity.set(record.entity, (perEntity.get(record.entity) ?? 0) + 1);
    options.onProgress?.(sent);
  };

  if (limit > 0) {
    for await (const item of records) {
      if (options.signal?.aborted) break;
      if (bucket) {
        let wait = bucket.take(clock.now());
        if (wait > 0) {
          // Send what is ready rather than hold it while waiting.
          await flush();
          wait = bucket.take(clock.now());
        }
        while (wait > 0) {
          await clock.sleep(wait);
          wait = bucket.take(clock.now());
        }
      }
      batch.push(item);
      taken++;
      if (batch.length >= options.batchSize) await flush();
      if (taken >= limit) break;
    }
  }
  await flush();
  const elapsedMs = clock.now() - started;
  return {
    sent,
    perEntity,
    elapsedMs,
    rate: elapsedMs > 0 ? (sent * 1000) / elapsedMs : sent,
    interrupted: options.signal?.aborted ?? false,
  };
}
