import { createRandom } from '@vigil/random';
import { type AnomalyInterval, offsetWithin, scheduleAnomalies } from './generator/anomalies.ts';
import { MODELS, type ProfileKind, type SignalModel, type SignalSpec } from './generator/profiles.ts';
import type { AnomalyKind, EntitySummary, GroundTruth, LabelledRecord } from './types.ts';

export type { AnomalyInterval } from './generator/anomalies.ts';
export { CLEAN_SHARE } from './generator/anomalies.ts';
export type { ProfileKind } from './generator/profiles.ts';

export const GENERATOR_SOURCE = 'generator';
export const PROFILES = ['mixed', 'pump', 'host'] as const;
export type Profile = (typeof PROFILES)[number];

export interface GeneratorOptions {
  /** Number of entities (≥ 1). */
  entities: number;
  /** Time of the first sample, epoch ms. */
  start: number;
  durationMs: number;
  intervalMs: number;
  seed: string | number;
  /** Kinds to inject; empty for clean data. */
  anomalies: readonly AnomalyKind[];
  /** Anomalies per entity; the number of kinds by default. */
  anomaliesPerEntity?: number;
  /** `mixed` alternates pumps and hosts. Default `mixed`. */
  profile?: Profile;
}

export interface GeneratedEntity extends EntitySummary {
  profile: ProfileKind;
  signals: readonly string[];
  anomalies: readonly AnomalyInterval[];
}

export interface Generation {
  entities: readonly GeneratedEntity[];
  /** Records over all entities. */
  total: number;
  /**
   * Every record in time order (all entities at one tick, then the next tick).
   * Each call starts again from the seed and yields the same records.
   */
  records(): Generator<LabelledRecord>;
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

interface EntityState {
  entity: GeneratedEntity;
  model: SignalModel;
  specs: ReadonlyMap<string, SignalSpec>;
  next: number;
  frozen: number;
}

function entityName(profile: ProfileKind, index: number, count: number): string {
  return `gen/${profile}-${String(index + 1).padStart(Math.max(2, String(count).length), '0')}`;
}

/**
 * Synthetic multivariate telemetry with labelled anomalies (see
 * docs/replay.md for the model). Pure and deterministic: the same options give
 * the same records, and entity i is the same whatever the number of entities.
 */
export function createGenerator(options: GeneratorOptions): Generation {
  const { start, intervalMs } = options;
  const samples = Math.max(1, Math.floor(options.durationMs / intervalMs));
  const seed = String(options.seed);
  const profile = options.profile ?? 'mixed';
  const count = options.anomaliesPerEntity ?? options.anomalies.length;

  const plan = Array.from({ length: options.entities }, (_, index) => {
    const kind: ProfileKind = profile === 'mixed' ? (index % 2 === 0 ? 'pump' : 'host') : profile;
    const name = entityName(kind, index, options.entities);
    // A throwaway model gives the signal list; the stream builds fresh ones from the same seed.
    const { signals } = MODELS[kind](createRandom(`${seed}/${name}/signals`), intervalMs);
    const anomalies = scheduleAnomalies(
      createRandom(`${seed}/${name}/anomalies`),
      samples,
      options.anomalies,
      count,
      index,
      signals,
    );
    const entity: GeneratedEntity = {
      entity: name,
      source: GENERATOR_SOURCE,
      rows: samples,
      firstTs: start,
      lastTs: start + (samples - 1) * intervalMs,
      profile: kind,
      signals: signals.map((s) => s.name),
      anomalies,
    };
    return entity;
  });

  function* records(): Generator<LabelledRecord> {
    const states: EntityState[] = plan.map((entity) => {
      const model = MODELS[entity.profile](createRandom(`${seed}/${entity.entity}/signals`), intervalMs);
      return { entity, model, specs: new Map(model.signals.map((s) => [s.name, s])), next: 0, frozen: 0 };
    });
    for (let k = 0; k < samples; k++) {
      const ts = start + k * intervalMs;
      for (const state of states) yield sample(state, k, ts);
    }
  }

  return { entities: plan, total: samples * plan.length, records };
}

function sample(state: EntityState, k: number, ts: number): LabelledRecord {
  const { entity, model, specs } = state;
  let active = entity.anomalies[state.next];
  if (active !== undefined && k >= active.end) {
    state.next++;
    active = entity.anomalies[state.next];
  }
  if (active !== undefined && k < active.start) active = undefined;

  const values = model.step(ts, active?.kind === 'broken_correlation' ? active.signal : undefined);
  for (const spec of model.signals) values[spec.name] = round(values[spec.name] as number, spec.decimals);

  let label: GroundTruth = { anomaly: false, changepoint: false };
  if (active !== undefined) {
    const spec = specs.get(active.signal) as SignalSpec;
    const value = values[active.signal] as number;
    const progress = (k - active.start + 1) / (active.end - active.start);
    if (active.kind === 'spike' || active.kind === 'level_shift') {
      values[active.signal] = round(offsetWithin(value, active.magnitude, spec), spec.decimals);
    } else if (active.kind === 'drift') {
      values[active.signal] = round(offsetWithin(value, active.magnitude * progress, spec), spec.decimals);
    } else if (active.kind === 'stuck') {
      if (k === active.start) state.frozen = value;
      values[active.signal] = state.frozen;
    }
    const onset = k === active.start && (active.kind === 'level_shift' || active.kind === 'drift');
    label = { anomaly: true, changepoint: onset, kind: active.kind };
  }
  return {
    record: {
      id: `${entity.entity}#${k}`,
      source: entity.source,
      entity: entity.entity,
      ts,
      values,
      attrs: { asset_type: entity.profile },
    },
    label,
  };
}
