import type { Score } from '@vigil/contracts';
import type { ModuleInfo } from './module-host.ts';

/** Who scored: the registered model, the version serving, the alias it was resolved by. */
export interface ScoredBy {
  model: string;
  version: string;
  alias: string;
}

/** Thresholds a MISSING score carries when the module never loaded: nothing can pass them. */
const UNKNOWN_THRESHOLDS = { unsureAbove: 1, anomalyAbove: 1 } as const;

/**
 * The score of a module that gave none for the batch. `info` is known once a
 * version loaded (module name, thresholds, elements); before that the model
 * name stands for the module and the version is empty.
 */
export function missingScore(by: ScoredBy, info: ModuleInfo | undefined, reason: string, latencyMs: number): Score {
  return {
    module: info?.module ?? by.model,
    model: by.model,
    version: by.version,
    alias: by.alias,
    raw: null,
    calibrated: null,
    verdict: 'MISSING',
    missingReason: reason,
    thresholds: info ? { ...info.thresholds } : { ...UNKNOWN_THRESHOLDS },
    elements: (info?.elements ?? []).map((e) => ({ name: e.name, kind: e.kind, raw: null, calibrated: null })),
    contributors: [],
    latencyMs,
  };
}
