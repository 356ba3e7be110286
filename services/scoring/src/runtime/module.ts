/**
 * A loaded science module: pre-processing, elements, calibration, combination and verdict
 * over batches of records, with the per-entity history lag/diff need. The numbers are those
 * of the Python reference scorer (vigil_science.runtime) within 1e-5 (the parity test).
 */
import { VigilError } from '@vigil/errors';
import { type Calibrator, type Combiner, compileCalibration, compileCombine, verdictOf } from './calibration.ts';
import { columnsOf } from './columns.ts';
import { type ElementEvaluator, type ElementOutput, type ElementState, kindOf } from './elements/index.ts';
import { HistoryStore } from './history.ts';
import type { ElementEntry, Manifest, ScoreRow } from './manifest.ts';
import { type LikelihoodSnapshot, LikelihoodStore } from './postprocess.ts';
import type { Preprocessor } from './preprocess.ts';
import {
  type BatchScores,
  type Contribution,
  type ElementResult,
  MissingReason,
  type ModuleResult,
  type ScoringColumns,
  type ScoringRecord,
  type Thresholds,
  VERDICTS,
  type Verdict,
} from './types.ts';

/** A module's identity and interface: plain data, safe to post between threads. */
export interface ModuleInfo {
  module: string;
  thresholds: Thresholds;
  elements: { name: string; kind: string }[];
  /** The alert fields the module reads: a host may send only these to an isolate. */
  inputs: { values: string[]; features: string[]; attrs: string[] };
  manifestSha256: string;
}

/** One element of a module as the loader built it. */
export interface Element {
  readonly entry: ElementEntry;
  readonly evaluator: ElementEvaluator;
  readonly calibrate: Calibrator;
}

const nullable = (x: number): number | null => (Number.isNaN(x) ? null : x);
const VERDICT_INDEX = Object.fromEntries(VERDICTS.map((v, i) => [v, i])) as Record<Verdict, number>;

/** Element outputs of the batch just evaluated: valid until the next evaluation (elements reuse them). */
interface Scored {
  readonly scores: BatchScores;
  readonly outputs: readonly ElementOutput[];
}

/**
 * A module's per-entity state, JSON-ready: the raw records lag/diff read and, with a
 * `postprocess`, each entity's likelihood state. Carried to another version by column name.
 */
export interface HistorySnapshot {
  /** Input columns of the raw records, in record order. */
  columns: string[];
  /** Per entity, its kept raw records, oldest first (null = NaN). */
  entities: Record<string, (number | null)[][]>;
  likelihood?: Record<string, LikelihoodSnapshot>;
  /** Stateful elements (e.g. `online`): element name → entity → its state. */
  elements?: Record<string, Record<string, unknown>>;
}

/** Everything a module keeps per entity between batches. */
interface EntityState {
  readonly history: HistoryStore;
  readonly likelihood: LikelihoodStore | undefined;
  /** One per element, in manifest order; undefined for stateless kinds. */
  readonly elements: readonly (ElementState | undefined)[];
}

export class ScienceModule {
  readonly manifest: Manifest;
  readonly name: string;
  /** sha256 of manifest.json (the MLflow tag `vigil.manifest_sha256`). */
  readonly manifestSha256: string;
  readonly thresholds: Thresholds;
  readonly #pre: Preprocessor;
  readonly #elements: readonly Element[];
  readonly #combine: Combiner;
  readonly #calibrate: Calibrator;
  readonly #state: EntityState;
  #rows = new Float64Array(0);
  #cal = new Float64Array(0);
  #queue: Promise<unknown> = Promise.resolve();
  #closing: Promise<void> | undefined;

  /** Use loadModuleBundle (load.ts): it verifies the bundle before building a module. */
  constructor(
    manifest: Manifest,
    manifestSha256: string,
    pre: Preprocessor,
    elements: readonly Element[],
    maxEntities: number,
  ) {
    this.manifest = manifest;
    this.name = manifest.module;
    this.manifestSha256 = manifestSha256;
    this.thresholds = Object.freeze({ ...manifest.thresholds });
    this.#pre = pre;
    this.#elements = elements;
    this.#combine = compileCombine(
      manifest.combine.method,
      elements.map((e) => manifest.combine.weights?.[e.entry.name] ?? 1),
    );
    this.#calibrate = compileCalibration(manifest.combine.calibration);
    this.#state = this.#newState(maxEntities);
    this.#cal = new Float64Array(elements.length);
  }

  /** What a host needs to know of the module without asking it (names, inputs, thresholds). */
  get info(): ModuleInfo {
    const { inputs } = this.manifest;
    return {
      module: this.name,
      thresholds: this.thresholds,
      elements: this.manifest.elements.map((e) => ({ name: e.name, kind: e.kind })),
      inputs: { values: [...inputs.values], features: [...inputs.features], attrs: [...inputs.attrs] },
      manifestSha256: this.manifestSha256,
    };
  }

  /** Final row columns after pre-processing, in row order. */
  get columns(): readonly string[] {
    return this.#pre.columns;
  }

  /** Entities whose state (lag/diff history, likelihood) is kept now. */
  get historySize(): number {
    return Math.max(
      this.#state.history.size,
      this.#state.likelihood?.size ?? 0,
      ...this.#state.elements.map((e) => e?.size ?? 0),
    );
  }

  /**
   * Scores records in order: one result per record, same order. Records of one entity must
   * come in event order (Kafka partitions by entity): lag/diff read the entity's previous
   * records. Calls are serialised. Throws VIGIL_SCORING_INFERENCE_FAILED when onnxruntime fails.
   */
  scoreBatch(records: readonly ScoringRecord[]): Promise<ModuleResult[]> {
    return this.#queued(() => this.#resultsOf(records, this.#state));
  }

  /**
   * Scores a batch already in columns (`columnsOf`, or what a host sent to its isolate): the
   * numbers of scoreBatch, without a record or a result object per row. Same order, same
   * history; calls are serialised with scoreBatch's.
   */
  scoreColumns(columns: ScoringColumns): Promise<BatchScores> {
    return this.#queued(async () => (await this.#score(columns, this.#state)).scores);
  }

  #queued<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** A MISSING result for every element, with `reason` (e.g. a time-out), for a record the module could not score. */
  missingResult(reason: string): ModuleResult {
    return {
      module: this.name,
      raw: null,
      calibrated: null,
      verdict: 'MISSING',
      missingReason: reason,
      thresholds: this.thresholds,
      elements: this.#elements.map(({ entry }) => ({
        name: entry.name,
        kind: entry.kind,
        raw: null,
        calibrated: null,
        missingReason: reason,
      })),
      contributors: [],
    };
  }

  /**
   * The per-entity state (all entities, or those of `entities` that have one), JSON-ready: to
   * carry to another version or process, or to persist per entity (e.g. in Redis).
   */
  exportHistory(entities?: Iterable<string>): HistorySnapshot {
    const only = entities === undefined ? undefined : [...entities];
    const snapshot: HistorySnapshot = {
      columns: [...this.#pre.inputs],
      entities: this.#state.history.export(only),
    };
    if (this.#state.likelihood !== undefined) snapshot.likelihood = this.#state.likelihood.export(only);
    const elements: Record<string, Record<string, unknown>> = {};
    this.#elements.forEach((e, k) => {
      const state = this.#state.elements[k];
      if (state !== undefined) elements[e.entry.name] = state.export(only);
    });
    if (Object.keys(elements).length > 0) snapshot.elements = elements;
    return snapshot;
  }

  /**
   * Restores a snapshot (of this or another version): raw records matched by column name; the
   * likelihood state only when this module post-processes. Returns the number of entities restored.
   */
  importHistory(snapshot: HistorySnapshot): number {
    const restored = new Set(Object.keys(snapshot.entities));
    this.#state.history.import(snapshot.columns, snapshot.entities);
    if (this.#state.likelihood !== undefined && snapshot.likelihood !== undefined) {
      this.#state.likelihood.import(snapshot.likelihood);
      for (const e of Object.keys(snapshot.likelihood)) restored.add(e);
    }
    this.#elements.forEach((e, k) => {
      const state = this.#state.elements[k];
      const entities = snapshot.elements?.[e.entry.name];
      if (state === undefined || entities === undefined) return;
      state.import(entities);
      for (const entity of Object.keys(entities)) restored.add(entity);
    });
    return restored.size;
  }

  resetHistory(): void {
    this.#state.history.clear();
    this.#state.likelihood?.clear();
    for (const state of this.#state.elements) state?.clear();
  }

  /** Releases the ONNX sessions. Idempotent; every element is closed even when one fails. */
  close(): Promise<void> {
    this.#closing ??= this.#queue.then(async () => {
      const results = await Promise.allSettled(this.#elements.map((e) => e.evaluator.close()));
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    });
    return this.#closing;
  }

  /** selfTest: the manifest's records in a history of their own, compared with `expected`. */
  async selfTest(): Promise<void> {
    const { tolerance, records, expected } = this.manifest.selfTest;
    const got = await this.#resultsOf(records, this.#newState(Number.MAX_SAFE_INTEGER));
    expected.forEach((want, i) => {
      const problem = compareRow(got[i] as ModuleResult, want, tolerance);
      if (problem !== undefined) {
        throw new VigilError('VIGIL_BUNDLE_SELF_TEST', `${this.name}: selfTest record ${i}: ${problem}`, {
          module: this.name,
          record: i,
        });
      }
    });
  }

  /**
   * Scores a synthetic record built from the training medians (history.rows + 1 times, or one more
   * than the longest element warm-up, so that lags are filled and stateful elements score): the
   * last must have every element present and finite module scores.
   */
  async testInference(reference: ReferenceStats): Promise<void> {
    const values: Record<string, number> = {};
    const features: Record<string, number> = {};
    for (const c of this.manifest.inputs.values) setMedian(values, c, reference);
    for (const c of this.manifest.inputs.features) setMedian(features, c, reference);
    const record: ScoringRecord = { entity: 'vigil-test-inference', ts: 0, values, features, attrs: {} };
    const results = await this.#resultsOf(
      Array.from({ length: this.#warmupRecords() + 1 }, () => record),
      this.#newState(Number.MAX_SAFE_INTEGER),
    );
    const last = results.at(-1) as ModuleResult;
    const absent = last.elements.filter((e) => e.raw === null || !Number.isFinite(e.raw));
    if (absent.length > 0 || last.calibrated === null || !Number.isFinite(last.calibrated)) {
      const why = absent.map((e) => `${e.name}: ${e.missingReason ?? 'non-finite'}`).join(', ');
      throw new VigilError(
        'VIGIL_BUNDLE_TEST_INFERENCE',
        `${this.name}: a record of the training medians does not score (${why || 'module score not finite'})`,
        { module: this.name },
      );
    }
  }

  /** Records an entity needs before every element can score: lags filled, stateful kinds warm. */
  #warmupRecords(): number {
    const warmups = this.#elements.map((e) => kindOf(e.entry).warmup?.(e.entry) ?? 0);
    return Math.max(this.manifest.history.rows, ...warmups);
  }

  #newState(maxEntities: number): EntityState {
    const { history, postprocess } = this.manifest;
    return {
      history: new HistoryStore(history.rows, this.#pre.inputs, maxEntities),
      likelihood: postprocess === undefined ? undefined : new LikelihoodStore(postprocess, maxEntities),
      elements: this.#elements.map((e) => e.evaluator.newState?.(maxEntities)),
    };
  }

  async #resultsOf(records: readonly ScoringRecord[], state: EntityState): Promise<ModuleResult[]> {
    const scored = await this.#score(columnsOf(records, this.manifest.inputs), state);
    return this.#results(scored);
  }

  async #score(columns: ScoringColumns, state: EntityState): Promise<Scored> {
    const { history } = state;
    if (this.#closing !== undefined) throw new VigilError('VIGIL_SCORING_INFERENCE_FAILED', `${this.name} is closed`);
    const { n, entities, numbers, attrs } = columns;
    const pre = this.#pre;
    const nIn = pre.inputs.length;
    const nAttrs = this.manifest.inputs.attrs.length;
    const width = pre.columns.length;
    if (this.#rows.length < n * width) {
      const cap = Math.max(n, 2 * (this.#rows.length / Math.max(width, 1)), 16);
      this.#rows = new Float64Array(cap * width);
    }
    const rows = this.#rows;
    const keep = history.rows > 0;
    // The input numbers are already the raw records (inputs.values then inputs.features): read in place.
    for (let i = 0; i < n; i++) {
      const entity = entities[i] as string;
      pre.apply(rows, i * width, numbers, i * nIn, keep ? history.get(entity) : undefined, attrs, i * nAttrs);
      if (keep) history.push(entity, numbers, i * nIn);
    }
    const outputs: ElementOutput[] = [];
    if (n > 0) {
      const batch = { n, width, rows, entities };
      for (const [k, e] of this.#elements.entries()) {
        try {
          outputs.push(await e.evaluator.evaluate(batch, state.elements[k]));
        } catch (cause) {
          throw new VigilError(
            'VIGIL_SCORING_INFERENCE_FAILED',
            `${this.name}: element ${e.entry.name} failed on a batch of ${n} (${(cause as Error).message})`,
            { cause, module: this.name, element: e.entry.name },
          );
        }
      }
    }
    return { scores: this.#scores(n, entities, outputs, state.likelihood), outputs };
  }

  #scores(
    n: number,
    entities: readonly string[],
    outputs: readonly ElementOutput[],
    likelihood: LikelihoodStore | undefined,
  ): BatchScores {
    const k = outputs.length;
    const cal = this.#cal;
    const scores = {
      n,
      raw: new Float64Array(n),
      calibrated: new Float64Array(n),
      verdicts: new Uint8Array(n),
      elementRaw: new Float64Array(n * k),
      elementCalibrated: new Float64Array(n * k),
      contributors: new Array<Contribution[]>(n),
    };
    for (let i = 0; i < n; i++) {
      let best = -1;
      for (let e = 0; e < k; e++) {
        const r = (outputs[e] as ElementOutput).raw[i] as number;
        const c = (this.#elements[e] as Element).calibrate(r);
        cal[e] = c;
        scores.elementRaw[i * k + e] = r;
        scores.elementCalibrated[i * k + e] = c;
        if (!Number.isNaN(c) && (best < 0 || c > (cal[best] as number))) best = e; // first on ties
      }
      const combined = this.#combine(cal);
      let calibrated = this.#calibrate(combined);
      if (likelihood !== undefined) calibrated = likelihood.step(entities[i] as string, calibrated);
      scores.raw[i] = combined;
      scores.calibrated[i] = calibrated;
      scores.verdicts[i] = VERDICT_INDEX[verdictOf(calibrated, this.thresholds)];
      scores.contributors[i] = best < 0 ? [] : (outputs[best] as ElementOutput).contributors(i);
    }
    return scores;
  }

  /** The scores as objects, with each element's missingReason (read from outputs before the next batch). */
  #results({ scores, outputs }: Scored): ModuleResult[] {
    const { n } = scores;
    const k = outputs.length;
    const results: ModuleResult[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const elements: ElementResult[] = new Array(k);
      for (let e = 0; e < k; e++) {
        const { entry } = this.#elements[e] as Element;
        elements[e] = {
          name: entry.name,
          kind: entry.kind,
          raw: nullable(scores.elementRaw[i * k + e] as number),
          calibrated: nullable(scores.elementCalibrated[i * k + e] as number),
          missingReason: (outputs[e] as ElementOutput).missing[i] ?? null,
        };
      }
      const calibrated = scores.calibrated[i] as number;
      results[i] = {
        module: this.name,
        raw: nullable(scores.raw[i] as number),
        calibrated: nullable(calibrated),
        verdict: VERDICTS[scores.verdicts[i] as number] as Verdict,
        missingReason: Number.isNaN(calibrated) ? MissingReason.NO_ELEMENT_SCORE : null,
        thresholds: this.thresholds,
        elements,
        contributors: scores.contributors[i] as Contribution[],
      };
    }
    return results;
  }
}

function compareRow(got: ModuleResult, want: ScoreRow, tolerance: number): string | undefined {
  const pairs: [string, number | null, number | null][] = [
    ['raw', got.raw, want.raw],
    ['calibrated', got.calibrated, want.calibrated],
  ];
  if (got.elements.length !== want.elements.length) return `${want.elements.length} elements expected`;
  got.elements.forEach((e, k) => {
    pairs.push([`${e.name}.raw`, e.raw, want.elements[k]?.raw ?? null]);
  });
  for (const [what, a, b] of pairs) {
    if ((a === null) !== (b === null) || (a !== null && b !== null && !(Math.abs(a - b) <= tolerance))) {
      return `${what} is ${a}, expected ${b}`;
    }
  }
  if (got.verdict !== want.verdict) return `verdict ${got.verdict}, expected ${want.verdict}`;
  return undefined;
}

/** The part of reference.json the loader reads: per input column, its quantiles. */
export interface ReferenceStats {
  readonly inputs?: Readonly<Record<string, { quantiles?: { p: number[]; q: number[] } } | undefined>>;
}

function setMedian(into: Record<string, number>, column: string, reference: ReferenceStats): void {
  const quantiles = reference.inputs?.[column]?.quantiles;
  const k = quantiles?.p.indexOf(0.5) ?? -1;
  const median = k >= 0 ? quantiles?.q[k] : undefined;
  if (typeof median === 'number' && Number.isFinite(median)) into[column] = median;
}
