import type { ModuleInfo, ScoringRecord } from './runtime/index.ts';

/** What the service knows of a loaded module without asking it (the runtime's `ScienceModule.info`). */
export type { ModuleInfo };

/**
 * Why a module host gave no scores for a batch: the `missingReason` of every
 * Score of that module in the batch (verdict MISSING). Reasons the runtime
 * gives for a single record (NON_FINITE_INPUT, NO_ELEMENT_SCORE) come on
 * ModuleResults instead.
 */
export const HOST_MISSING_REASONS = {
  /** The module threw (rejected) while scoring the batch; its isolate stays up. */
  MODULE_ERROR: 'MODULE_ERROR',
  /** No answer within SCORING_MODULE_TIMEOUT: the isolate is terminated and restarted. */
  MODULE_TIMEOUT: 'MODULE_TIMEOUT',
  /** The isolate died while the batch was in it (uncaught error, native crash). */
  MODULE_CRASHED: 'MODULE_CRASHED',
  /** The isolate hit its heap limit (SCORING_MODULE_MAX_HEAP_MB) and was stopped by V8. */
  MODULE_OUT_OF_MEMORY: 'MODULE_OUT_OF_MEMORY',
  /** The isolate is being restarted after one of the failures above. */
  MODULE_RESTARTING: 'MODULE_RESTARTING',
  /** No version is loaded yet: the first one is being downloaded or loaded. */
  MODULE_LOADING: 'MODULE_LOADING',
  /** No version could be loaded (the alias is absent, every version was refused, MLflow down with nothing cached). */
  MODEL_UNAVAILABLE: 'MODEL_UNAVAILABLE',
} as const;
export type HostMissingReason = (typeof HOST_MISSING_REASONS)[keyof typeof HOST_MISSING_REASONS];

/**
 * A batch's results as they come out of an isolate: in columns (typed arrays,
 * transferred rather than copied) plus each record's Score *tail* already in
 * Avro (see score-bytes.ts), so that the service thread neither rebuilds
 * objects nor encodes them. Null numbers are NaN (the runtime never gives a
 * NaN score: a score that is not finite is missing). `decodeResults` in
 * isolation/protocol.ts turns it back into ModuleResults.
 */
export interface ScoredBatch {
  n: number;
  raw: Float64Array;
  calibrated: Float64Array;
  /** Index into the runtime's verdict list (see protocol.ts). */
  verdicts: Uint8Array;
  /** Rows with a module missingReason, and the reasons. */
  missingRows: number[];
  missingReasons: string[];
  /** Row-major, one column per element of the module's info. */
  elementRaw: Float64Array;
  elementCalibrated: Float64Array;
  /** Contributors per row, then all of them in row order: an index into `signals`, and the weight. */
  contributorCounts: Uint16Array;
  contributorSignals: Uint32Array;
  contributorWeights: Float64Array;
  signals: string[];
  /** Row i's Score tail is `tails[tailEnds[i - 1] ?? 0, tailEnds[i])`. */
  tails: Uint8Array;
  tailEnds: Uint32Array;
}

export type HostOutcome = { ok: true; scored: ScoredBatch } | { ok: false; reason: HostMissingReason; detail: string };

/**
 * `probation`: restarted after a failure; batches get MODULE_RESTARTING at once
 * while one of them is scored in the background as a probe, and the host is
 * `ready` again only when a probe comes back in time.
 */
export const HOST_STATES = ['starting', 'ready', 'restarting', 'probation', 'closed'] as const;
export type HostState = (typeof HOST_STATES)[number];

/**
 * One loaded version of one module, isolated from the service and from the
 * other modules. `score` never throws: a failure is an outcome with a reason,
 * and it comes back within the host's time budget.
 */
export interface ModuleHost {
  readonly version: string;
  /** Set once `start` resolved. */
  readonly info: ModuleInfo | undefined;
  readonly state: HostState;
  /** Loads and verifies the bundle (hashes, self test, test inference); rejects with the refusal's VigilError. */
  start(): Promise<ModuleInfo>;
  score(records: readonly ScoringRecord[]): Promise<HostOutcome>;
  /** The module's lag/diff history, or undefined when the isolate cannot give it in time. */
  exportHistory(): Promise<unknown>;
  importHistory(snapshot: unknown): Promise<void>;
  close(): Promise<void>;
}
