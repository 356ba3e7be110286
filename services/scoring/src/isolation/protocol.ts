import type { ModuleInfo, ScoredBatch } from '../module-host.ts';
import {
  type BatchScores,
  columnsOf,
  type ScoringColumns,
  type ScoringRecord,
  type Verdict,
} from '../runtime/index.ts';
import { writeScoreTails } from '../score-bytes.ts';
import type { FaultKind } from './faults.ts';

export { VERDICTS } from '../runtime/index.ts';

/**
 * Messages between a module host (service side) and its isolate (a worker
 * thread or a child process). Both sides post plain objects and typed arrays:
 * structured clone for threads, V8 serialisation over IPC for processes.
 * docs/scoring-runtime.md ("The isolate boundary") says what crosses and why.
 */
export type ToIsolate =
  | { type: 'load'; dir: string; fault: FaultKind | null }
  | { type: 'score'; id: number; batch: EncodedBatch }
  | { type: 'export-history'; id: number }
  | { type: 'import-history'; id: number; snapshot: unknown }
  | { type: 'close' };

export type FromIsolate =
  | { type: 'ready'; info: ModuleInfo }
  | { type: 'load-failed'; code: string; message: string }
  | { type: 'scored'; id: number; results: ScoredBatch }
  | { type: 'failed'; id: number; code: string; message: string }
  | { type: 'history'; id: number; snapshot: unknown }
  | { type: 'done'; id: number };

/**
 * A batch as the isolate needs it: the runtime's ScoringColumns (only the
 * columns the module reads, numbers in one Float64Array that a thread receives
 * by transfer), with the entities as one JSON array text: cloning one string
 * is a copy, cloning a thousand strings was the largest cost of sending a
 * batch (measured).
 */
export interface EncodedBatch {
  entities: string;
  numbers: Float64Array;
  /** Row-major, `inputs.attrs` per row; null = absent. */
  attrs: (string | null)[];
}

export function encodeBatch(records: readonly ScoringRecord[], inputs: ModuleInfo['inputs']): EncodedBatch {
  const { entities, numbers, attrs } = columnsOf(records, inputs);
  return { entities: JSON.stringify(entities), numbers, attrs: attrs as (string | null)[] };
}

/** The columns again, in the isolate: the runtime scores them as they are. */
export function decodeBatch(batch: EncodedBatch): ScoringColumns {
  const entities = JSON.parse(batch.entities) as string[];
  return { n: entities.length, entities, numbers: batch.numbers, attrs: batch.attrs };
}

/**
 * What goes back to the service: the Avro Score tail of every record, written
 * here, and the two columns the service reads besides (its metrics). The
 * arrays are the module's own for this batch, so they are transferred as they are.
 */
export function scoredBatch(
  scores: BatchScores,
  info: Pick<ModuleInfo, 'thresholds' | 'elements'>,
  verdictIndex: Readonly<Record<Verdict, number>>,
): ScoredBatch {
  const { tails, tailEnds } = writeScoreTails(scores, info, verdictIndex);
  return { n: scores.n, calibrated: scores.calibrated, verdicts: scores.verdicts, tails, tailEnds };
}

/** The buffers of a ScoredBatch, to transfer rather than copy. */
export function resultBuffers(r: ScoredBatch): ArrayBuffer[] {
  return [r.calibrated, r.verdicts, r.tails, r.tailEnds].map((a) => a.buffer as ArrayBuffer);
}
