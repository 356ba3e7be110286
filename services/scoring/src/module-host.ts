import type { ModuleInfo, ScoringRecord } from './runtime/index.ts';

/** What the service knows of a loaded module without asking it (the runtime's `ScienceModule.info`). */
export type { ModuleInfo };

/**
 * Why a module host gave no scores for a batch: the `missingReason` of every
 * Score of that module in the batch (verdict MISSING). The reason the runtime
 * gives for a single record (NO_ELEMENT_SCORE) comes in that record's Score instead.
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
 * A batch's results as they come out of an isolate, only what the service
 * reads: each record's Score *tail* already in Avro (score-bytes.ts), spliced
 * into the ScoredAlert as it is, and the calibrated score and verdict of each
 * record for the metrics. Typed arrays, transferred rather than copied.
 * Everything else of a Score is in its tail; tests read it back from there
 * (test-scores.ts).
 */
export interface ScoredBatch {
  n: number;
  /** NaN when the record's Score is MISSING. */
  calibrated: Float64Array;
  /** Index into the runtime's VERDICTS. */
  verdicts: Uint8Array;
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
