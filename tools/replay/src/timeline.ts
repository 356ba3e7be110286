import type { LabelledRecord } from './types.ts';

/**
 * Where an entity's records land in time:
 * - `now`: the first record is at the start of the run;
 * - `end`: the last record is at the start of the run, so every record is in
 *   the past (use it when streaming faster than real time: ingest rejects
 *   records too far in the future);
 * - `none`: original timestamps.
 * Spacing is kept, divided by the speed-up factor.
 */
export const TIME_SHIFTS = ['now', 'end', 'none'] as const;
export type TimeShift = (typeof TIME_SHIFTS)[number];

export interface RetimeOptions {
  shift: TimeShift;
  /** Gaps between records are divided by this (≥ 1 compresses). */
  speedup: number;
  /** The run's start, epoch ms. */
  now: number;
}

/** Maps an entity's original event times to replayed ones. */
export function retimer(span: { firstTs: number; lastTs: number }, options: RetimeOptions): (ts: number) => number {
  const { shift, speedup, now } = options;
  const { firstTs, lastTs } = span;
  if (shift === 'now') return (ts) => now + Math.round((ts - firstTs) / speedup);
  if (shift === 'end') return (ts) => now - Math.round((lastTs - ts) / speedup);
  if (speedup === 1) return (ts) => ts;
  return (ts) => firstTs + Math.round((ts - firstTs) / speedup);
}

export async function* retimed(
  records: AsyncIterable<LabelledRecord>,
  map: (ts: number) => number,
): AsyncGenerator<LabelledRecord> {
  for await (const item of records) {
    item.record.ts = map(item.record.ts);
    yield item;
  }
}

export async function* sequential(streams: readonly AsyncIterable<LabelledRecord>[]): AsyncGenerator<LabelledRecord> {
  for (const stream of streams) yield* stream;
}

/**
 * Merges per-entity streams by event time (k-way merge; ties go to the
 * earlier stream, so the order is deterministic). Each stream must be in time
 * order, which dataset files and the generator are.
 */
export async function* interleave(streams: readonly AsyncIterable<LabelledRecord>[]): AsyncGenerator<LabelledRecord> {
  const iterators = streams.map((s) => s[Symbol.asyncIterator]());
  const heads: (LabelledRecord | undefined)[] = await Promise.all(
    iterators.map(async (it) => {
      const next = await it.next();
      return next.done ? undefined : next.value;
    }),
  );
  try {
    for (;;) {
      let best = -1;
      let bestTs = Number.POSITIVE_INFINITY;
      // A linear scan: tens of files at most, cheaper than keeping a heap.
      for (let i = 0; i < heads.length; i++) {
        const head = heads[i];
        if (head !== undefined && head.record.ts < bestTs) {
          best = i;
          bestTs = head.record.ts;
        }
      }
      if (best < 0) return;
      yield heads[best] as LabelledRecord;
      const next = await (iterators[best] as AsyncIterator<LabelledRecord>).next();
      heads[best] = next.done ? undefined : next.value;
    }
  } finally {
    await Promise.all(iterators.map((it) => it.return?.()));
  }
}
