import type { InferenceSession } from 'onnxruntime-node';
import type { z } from 'zod';
import type { ElementEntryBase } from '../schema.ts';
import type { Contribution } from '../types.ts';

/** Rows after pre-processing, as elements see them. */
export interface ElementBatch {
  /** Number of records. */
  readonly n: number;
  /** Columns per row (the module's final columns). */
  readonly width: number;
  /** n × width float64, row-major: record i, column c is `rows[i * width + c]`. */
  readonly rows: Float64Array;
  /** The records' entities, in order (for kinds that learn per entity). */
  readonly entities: readonly string[];
}

/**
 * Per-entity state of a kind that learns as records arrive, owned by the module (which keeps
 * a separate one for its selfTest) and persisted with its history. Snapshots are JSON-ready.
 */
export interface ElementState {
  readonly size: number;
  export(only?: readonly string[]): Record<string, unknown>;
  /** Restores snapshots taken by `export`; returns the entities restored. */
  import(entities: Readonly<Record<string, unknown>>): number;
  clear(): void;
}

/** One element's scores for a batch. Owned by the element until its next `evaluate`. */
export interface ElementOutput {
  /** Raw score per record; NaN when missing. */
  readonly raw: Float64Array;
  /** `null` or the reason the record's score is missing. */
  readonly missing: ReadonlyArray<string | null>;
  /** The contributors of record i (largest first); asked only for the module's winning element. */
  contributors(i: number): Contribution[];
}

export interface ElementEvaluator {
  /** `state` is this evaluator's own `newState()` result, for stateful kinds. */
  evaluate(batch: ElementBatch, state?: ElementState): Promise<ElementOutput>;
  /** Stateful kinds: an empty per-entity state holding at most `maxEntities` entities. */
  newState?(maxEntities: number): ElementState;
  close(): Promise<void>;
}

/** What an element gets when it is created from its manifest entry. */
export interface ElementContext {
  /** The module's final row columns, in row order. */
  readonly columns: readonly string[];
  readonly columnIndex: ReadonlyMap<string, number>;
  /** Bundle files by relative path, hashes already verified. */
  readonly files: ReadonlyMap<string, Uint8Array>;
  readonly sessionOptions: InferenceSession.SessionOptions;
}

/**
 * An element kind: how to validate its manifest entry and how to score with it.
 * Register a new kind with one line in `elements/index.ts`.
 */
export interface ElementKind<E extends ElementEntryBase> {
  readonly kind: E['kind'];
  /** Strict zod schema of the manifest entry, `kind` a literal. */
  readonly schema: z.ZodType<E>;
  /** Whether entries carry an ONNX graph (`onnx`). */
  readonly onnx: boolean;
  /** Records an entity needs before the element scores (stateful kinds); 0 when absent. */
  warmup?(entry: E): number;
  /** Semantic problems the schema cannot see, given the final row's columns (empty when fine). */
  check(entry: E, columns: ReadonlySet<string>): string[];
  /** Build the evaluator (load the ONNX session, compile expressions). Throws a VigilError when unusable. */
  create(entry: E, context: ElementContext): Promise<ElementEvaluator>;
}
