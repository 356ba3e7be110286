import type { ModuleInfo, ScoredBatch } from '../module-host.ts';
import type { Contribution, ModuleResult, ScoringRecord, Verdict } from '../runtime/index.ts';
import { AvroWriter, writeScoreTail } from '../score-bytes.ts';
import type { FaultKind } from './faults.ts';

/**
 * Messages between a module host (service side) and its isolate (a worker
 * thread or a child process). Both sides post plain objects and typed arrays:
 * structured clone for threads, V8 serialisation over IPC for processes.
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
 * A batch as the isolate needs it: only the columns the module reads, numbers
 * in one Float64Array (row-major, `values` then `features`, NaN = absent), so
 * that a thread receives it by transfer rather than by copying objects.
 */
export interface EncodedBatch {
  /**
   * The entities as one JSON array text: cloning one string is a copy, cloning
   * a thousand strings was the largest cost of sending a batch (measured).
   */
  entities: string;
  ts: Float64Array;
  numbers: Float64Array;
  /** Row-major, `inputs.attrs` per row; null = absent. */
  attrs: (string | null)[];
}

export function encodeBatch(records: readonly ScoringRecord[], inputs: ModuleInfo['inputs']): EncodedBatch {
  const n = records.length;
  const { values, features, attrs } = inputs;
  const width = values.length + features.length;
  const numbers = new Float64Array(n * width);
  const ts = new Float64Array(n);
  const entities: string[] = new Array(n);
  const attrCells: (string | null)[] = new Array(n * attrs.length);
  for (let i = 0; i < n; i++) {
    const record = records[i] as ScoringRecord;
    entities[i] = record.entity;
    ts[i] = record.ts;
    let at = i * width;
    for (const name of values) numbers[at++] = numberOr(record.values[name]);
    for (const name of features) numbers[at++] = numberOr(record.features?.[name]);
    for (let a = 0; a < attrs.length; a++) attrCells[i * attrs.length + a] = record.attrs?.[attrs[a] as string] ?? null;
  }
  return { entities: JSON.stringify(entities), ts, numbers, attrs: attrCells };
}

/** The records again, as the runtime takes them (absent columns left out). */
export function decodeBatch(batch: EncodedBatch, inputs: ModuleInfo['inputs']): ScoringRecord[] {
  const { values, features, attrs } = inputs;
  const width = values.length + features.length;
  return (JSON.parse(batch.entities) as string[]).map((entity, i) => {
    const valueMap: Record<string, number> = {};
    const featureMap: Record<string, number> = {};
    const attrMap: Record<string, string> = {};
    let at = i * width;
    for (const name of values) {
      const v = batch.numbers[at++] as number;
      if (!Number.isNaN(v)) valueMap[name] = v;
    }
    for (const name of features) {
      const v = batch.numbers[at++] as number;
      if (!Number.isNaN(v)) featureMap[name] = v;
    }
    for (let a = 0; a < attrs.length; a++) {
      const v = batch.attrs[i * attrs.length + a];
      if (typeof v === 'string') attrMap[attrs[a] as string] = v;
    }
    return { entity, ts: batch.ts[i] as number, values: valueMap, features: featureMap, attrs: attrMap };
  });
}

function numberOr(value: number | null | undefined): number {
  return typeof value === 'number' ? value : Number.NaN;
}

/** What `ScoredBatch.verdicts` indexes. */
export const VERDICTS: readonly Verdict[] = ['NORMAL', 'UNSURE', 'ANOMALY', 'MISSING'];

const orNaN = (x: number | null): number => (x === null ? Number.NaN : x);
const orNull = (x: number): number | null => (Number.isNaN(x) ? null : x);

/** Columns and Score tails of a batch's results (see ScoredBatch), written in the isolate. */
export function encodeResults(
  results: readonly ModuleResult[],
  elementCount: number,
  verdictIndex: Readonly<Record<Verdict, number>>,
): ScoredBatch {
  const n = results.length;
  const tails = new AvroWriter(n * 128);
  const out: ScoredBatch = {
    n,
    raw: new Float64Array(n),
    calibrated: new Float64Array(n),
    verdicts: new Uint8Array(n),
    missingRows: [],
    missingReasons: [],
    elementRaw: new Float64Array(n * elementCount),
    elementCalibrated: new Float64Array(n * elementCount),
    contributorCounts: new Uint16Array(n),
    contributorSignals: new Uint32Array(results.reduce((sum, r) => sum + r.contributors.length, 0)),
    contributorWeights: new Float64Array(results.reduce((sum, r) => sum + r.contributors.length, 0)),
    signals: [],
    tails: new Uint8Array(0),
    tailEnds: new Uint32Array(n),
  };
  const signalIndex = new Map<string, number>();
  let c = 0;
  for (let i = 0; i < n; i++) {
    const r = results[i] as ModuleResult;
    out.raw[i] = orNaN(r.raw);
    out.calibrated[i] = orNaN(r.calibrated);
    out.verdicts[i] = VERDICTS.indexOf(r.verdict);
    if (r.missingReason !== null) {
      out.missingRows.push(i);
      out.missingReasons.push(r.missingReason);
    }
    for (let e = 0; e < elementCount; e++) {
      out.elementRaw[i * elementCount + e] = orNaN(r.elements[e]?.raw ?? null);
      out.elementCalibrated[i * elementCount + e] = orNaN(r.elements[e]?.calibrated ?? null);
    }
    out.contributorCounts[i] = r.contributors.length;
    for (const { signal, weight } of r.contributors) {
      let k = signalIndex.get(signal);
      if (k === undefined) {
        k = out.signals.length;
        signalIndex.set(signal, k);
        out.signals.push(signal);
      }
      out.contributorSignals[c] = k;
      out.contributorWeights[c++] = weight;
    }
    writeScoreTail(tails, r, verdictIndex);
    out.tailEnds[i] = tails.length;
  }
  out.tails = new Uint8Array(tails.length);
  tails.copyTo(out.tails, 0);
  return out;
}

/** The buffers of encoded results, to transfer rather than copy. */
export function resultBuffers(r: ScoredBatch): ArrayBuffer[] {
  return [
    r.raw,
    r.calibrated,
    r.verdicts,
    r.elementRaw,
    r.elementCalibrated,
    r.contributorCounts,
    r.contributorSignals,
    r.contributorWeights,
    r.tails,
    r.tailEnds,
  ].map((a) => a.buffer as ArrayBuffer);
}

/** ModuleResults again, on the service's side; thresholds and element names come from the module's info. */
export function decodeResults(r: ScoredBatch, info: ModuleInfo): ModuleResult[] {
  const elements = info.elements;
  const width = elements.length;
  const missing = new Map(r.missingRows.map((row, k) => [row, r.missingReasons[k] as string]));
  const thresholds = info.thresholds;
  const out: ModuleResult[] = new Array(r.n);
  let c = 0;
  for (let i = 0; i < r.n; i++) {
    const contributors: Contribution[] = new Array(r.contributorCounts[i]);
    for (let k = 0; k < contributors.length; k++, c++) {
      contributors[k] = {
        signal: r.signals[r.contributorSignals[c] as number] as string,
        weight: r.contributorWeights[c] as number,
      };
    }
    out[i] = {
      module: info.module,
      raw: orNull(r.raw[i] as number),
      calibrated: orNull(r.calibrated[i] as number),
      verdict: VERDICTS[r.verdicts[i] as number] as Verdict,
      missingReason: missing.get(i) ?? null,
      thresholds,
      elements: elements.map((e, k) => ({
        name: e.name,
        kind: e.kind,
        raw: orNull(r.elementRaw[i * width + k] as number),
        calibrated: orNull(r.elementCalibrated[i * width + k] as number),
        missingReason: null,
      })),
      contributors,
    };
  }
  return out;
}
