import type { Contribution, Score, Verdict } from '@vigil/contracts';

/**
 * One record to score: the alert shape. A `vigil.Alert` is assignable to it.
 * A value or feature that is absent, `null` or not a number is NaN for the module.
 */
export interface ScoringRecord {
  readonly entity: string;
  readonly ts: number;
  readonly values: Readonly<Record<string, number | null | undefined>>;
  readonly features?: Readonly<Record<string, number | null | undefined>>;
  readonly attrs?: Readonly<Record<string, string | null | undefined>>;
}

/**
 * A batch of records in columns, as a host sends it to an isolate and as the module reads it:
 * only the columns the module declares (`ModuleInfo.inputs`), numbers already in the row
 * layout the pre-processing starts from. `columnsOf` builds one from records.
 */
export interface ScoringColumns {
  readonly n: number;
  readonly entities: readonly string[];
  /** n × (values + features), row-major: `inputs.values` then `inputs.features`; NaN = absent. */
  readonly numbers: Float64Array;
  /** n × attrs, row-major, `inputs.attrs`; null = absent. */
  readonly attrs: readonly (string | null)[];
}

/** What `BatchScores.verdicts` indexes. */
export const VERDICTS = ['NORMAL', 'UNSURE', 'ANOMALY', 'MISSING'] as const satisfies readonly Verdict[];

/**
 * A batch's scores in columns, one row per record in record order, element columns in the order
 * of `ModuleInfo.elements` (NaN = null). A row whose `calibrated` is NaN is MISSING with
 * NO_ELEMENT_SCORE. Owned by the caller: nothing in it is reused by the module.
 */
export interface BatchScores {
  readonly n: number;
  /** The combined element score. */
  readonly raw: Float64Array;
  readonly calibrated: Float64Array;
  /** Index into VERDICTS. */
  readonly verdicts: Uint8Array;
  /** n × elements, row-major. */
  readonly elementRaw: Float64Array;
  readonly elementCalibrated: Float64Array;
  /** Per record, largest first. */
  readonly contributors: readonly Contribution[][];
}

/** Why an element's or a module's score is missing (`missingReason`). */
export const MissingReason = {
  /** The element's input vector held NaN or ±Infinity after pre-processing; the graph was not run. */
  NON_FINITE_INPUT: 'NON_FINITE_INPUT',
  /** The graph returned NaN or ±Infinity. */
  NON_FINITE_SCORE: 'NON_FINITE_SCORE',
  /** Every element of the module is missing. */
  NO_ELEMENT_SCORE: 'NO_ELEMENT_SCORE',
} as const;
export type MissingReason = (typeof MissingReason)[keyof typeof MissingReason];

/** One element's score for one record: `vigil.ElementScore` plus why it is missing. */
export interface ElementResult {
  name: string;
  kind: string;
  raw: number | null;
  calibrated: number | null;
  missingReason: string | null;
}

export interface Thresholds {
  readonly unsureAbove: number;
  readonly anomalyAbove: number;
}

/**
 * A module's score for one record: a `vigil.Score` without what the service knows
 * (model, version, alias, latencyMs). `verdict` is `MISSING` (with `missingReason`)
 * when no element scored.
 */
export interface ModuleResult {
  module: string;
  raw: number | null;
  calibrated: number | null;
  verdict: Verdict;
  missingReason: string | null;
  thresholds: Thresholds;
  elements: ElementResult[];
  contributors: Contribution[];
}

/** What the service adds to a ModuleResult to make a `vigil.Score`. */
export type ScoreFromResult = ModuleResult & Pick<Score, 'model' | 'version' | 'alias' | 'latencyMs'>;

export type { Contribution, Verdict };
