import type { Telemetry } from '@vigil/contracts';

/** Kinds of anomaly the generator injects; each labelled interval carries one. */
export const ANOMALY_KINDS = ['spike', 'level_shift', 'drift', 'broken_correlation', 'stuck'] as const;
export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

/**
 * The brief's input record as the replay tool builds it: `id` is always set
 * (deterministic, so a rerun produces the same ids) and `ts` is epoch
 * milliseconds. The JSON encoder writes `ts` as RFC 3339.
 */
export type TelemetryInput = Telemetry & { id: string };

/** Ground truth for one record. Never part of `values`: it travels beside the record. */
export interface GroundTruth {
  anomaly: boolean;
  changepoint?: boolean;
  /** What kind of anomaly: an AnomalyKind for generated data, any text from a CSV `kind` column. */
  kind?: string;
}

export interface LabelledRecord {
  record: TelemetryInput;
  /** Absent when the input has no labels. */
  label?: GroundTruth;
}

/** What is known about one entity before its records are streamed. */
export interface EntitySummary {
  entity: string;
  source: string;
  /** Number of records. */
  rows: number;
  /** Smallest and largest original event time, epoch ms (0 when `rows` is 0). */
  firstTs: number;
  lastTs: number;
}
