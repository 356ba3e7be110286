/**
 * The science-module runtime: load a verified `vigil.module/v1` bundle and score batches of
 * records with it, with the numbers of the Python reference scorer. See docs/scoring-runtime.md.
 */
export { type BundleSource, directorySource, memorySource, readBundle, sha256, sourceOf, zipSource } from './bundle.ts';
export { ecdf, identity, verdictOf } from './calibration.ts';
export { columnsOf } from './columns.ts';
export { type ElementEntry, KIND_NAMES } from './elements/index.ts';
export { DEFAULT_MAX_ENTITIES, type LoadOptions, loadModuleBundle } from './load.ts';
export { checkManifest, FORMAT, MANIFEST, type Manifest, parseManifest } from './manifest.ts';
export { type HistorySnapshot, type ModuleInfo, ScienceModule } from './module.ts';
export { erfc, type LikelihoodSnapshot, type Postprocess } from './postprocess.ts';
export { compileExpr, RuleError } from './rules.ts';
export {
  type BatchScores,
  type Contribution,
  type ElementResult,
  MissingReason,
  type ModuleResult,
  type ScoreFromResult,
  type ScoringColumns,
  type ScoringRecord,
  type Thresholds,
  VERDICTS,
  type Verdict,
} from './types.ts';
