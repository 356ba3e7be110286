import {
  type CallResult,
  ENTITY_FEATURES,
  ENTITY_PREFIX,
  OUTCOME,
  type Outcome,
  type PlannedCall,
  type RecordResult,
  signalFeatureNames,
} from './core.ts';
import type { SourceSettings } from './feature-config.ts';

/**
 * The feature algorithm of `enrich.lua` in TypeScript, kept deliberately
 * parallel to it (same state fields, same order of floating-point operations).
 * It is the executable specification: unit tests check its math against plain
 * formulas, integration tests check the script against it on random streams.
 * It keeps its state in memory and is not used by the service itself.
 */

const MAX_IDS = 32;

interface Meta {
  lt?: number;
  ids: string[];
  tp?: string;
  off?: number;
  cf?: number;
  cfid?: string;
  ru?: number;
  de?: number;
  ns: number;
  n: number;
}

interface SignalState {
  /** Ring of the last `c` values; `h` is the oldest once full. */
  w: number[];
  h: number;
  k: number;
  c: number;
  /** Mean and sum of squared deviations of the `k` values in the ring. */
  mu: number;
  m2: number;
  l?: number;
  e: Record<string, number>;
}

interface SeasonSlot {
  b: number;
  r: number;
  s: number;
  c: Record<string, [count: number, mean: number]>;
  p: Record<string, number>;
}

interface EntityState {
  meta: Meta | null;
  signals: Map<string, SignalState>;
  slots: Map<number, SeasonSlot>;
}

const emptyState = (): EntityState => ({ meta: null, signals: new Map(), slots: new Map() });

/** Values of a window, oldest first. */
function windowValues(s: Pick<SignalState, 'w' | 'h' | 'k' | 'c'>): number[] {
  const values: number[] = [];
  for (let i = 0; i < s.k; i++) values.push(s.w[(s.h - 1 + i) % s.c] as number);
  return values;
}

/** Exact mean and sum of squared deviations of the ring, by two passes in storage order. */
function resync(s: SignalState): void {
  let sum = 0;
  for (let i = 0; i < s.k; i++) sum += s.w[i] as number;
  const mu = s.k > 0 ? sum / s.k : 0;
  let m2 = 0;
  for (let i = 0; i < s.k; i++) {
    const d = (s.w[i] as number) - mu;
    m2 += d * d;
  }
  s.mu = mu;
  s.m2 = m2;
}

/** One EWMA step: the value after taking `x` in, and the residual against the value before. */
export function ewmaStep(before: number | undefined, alpha: number, x: number): { after: number; resid?: number } {
  if (before === undefined) return { after: x };
  return { after: before + alpha * (x - before), resid: x - before };
}

/**
 * Adds x to the window: Welford's update while it fills, a sliding update once
 * full, and an exact recompute each time the ring wraps so rounding drift never
 * outlives one window.
 */
function pushValue(s: SignalState, x: number): void {
  if (s.k < s.c) {
    s.k += 1;
    s.w[s.k - 1] = x;
    const d = x - s.mu;
    s.mu = s.mu + d / s.k;
    s.m2 = s.m2 + d * (x - s.mu);
    return;
  }
  const old = s.w[s.h - 1] as number;
  const muOld = s.mu;
  s.w[s.h - 1] = x;
  s.mu = muOld + (x - old) / s.c;
  s.m2 = s.m2 + (x - old) * (x - s.mu + old - muOld);
  if (s.m2 < 0) s.m2 = 0;
  s.h = (s.h % s.c) + 1;
  if (s.h === 1) resync(s);
}

/** One entity's state and snapshot, driven by the same calls the service sends to Redis. */
export class ReferenceEntity {
  private state: EntityState = emptyState();
  private snapshot: EntityState | null = null;

  call(call: Pick<PlannedCall, 'tp' | 'continues' | 'records'>, settings: SourceSettings): CallResult {
    const { tp, continues, records } = call;
    const cap = settings.windowSize;
    const seasonRes = settings.season?.resolutionMs ?? 0;
    const seasonSlots = settings.season?.slots ?? 0;
    const alphaKeys = settings.ewma.map(({ alpha }) => String(alpha));
    const perSignal = signalFeatureNames(settings);

    let meta = this.state.meta && structuredClone(this.state.meta);
    let replayUpto: number | undefined;
    let created = false;
    if (continues) {
      replayUpto = meta?.ru;
    } else {
      const first = records[0];
      const firstOff = Number(first?.offset);
      if (meta && meta.tp === tp && meta.cf === firstOff && meta.cfid === first?.id) {
        replayUpto = meta.off;
        this.state = this.snapshot ? structuredClone(this.snapshot) : emptyState();
        meta = this.state.meta && structuredClone(this.state.meta);
      } else {
        this.snapshot = this.state.meta ? structuredClone(this.state) : null;
        created = meta === null;
      }
      meta ??= { ids: [], ns: 0, n: 0 };
      meta.cf = firstOff;
      meta.cfid = first?.id;
      meta.ru = replayUpto;
    }
    meta ??= { ids: [], ns: 0, n: 0 };
    const m = meta;

    const signals = new Map<string, SignalState | null>();
    const loadSignal = (name: string): SignalState | null => {
      if (signals.has(name)) return signals.get(name) ?? null;
      const stored = this.state.signals.get(name);
      let s: SignalState | null = stored ? structuredClone(stored) : null;
      if (s && s.c !== cap) {
        const kept = windowValues(s).slice(Math.max(0, s.k - cap));
        s = { ...s, w: kept, h: 1, k: kept.length, c: cap };
        resync(s);
      }
      signals.set(name, s);
      return s;
    };
    const dirtySignals = new Set<string>();
    const slots = new Map<number, SeasonSlot | null>();
    const loadSlot = (idx: number): SeasonSlot | null => {
      if (slots.has(idx)) return slots.get(idx) ?? null;
      const stored = this.state.slots.get(idx);
      const z = stored && stored.r === seasonRes && stored.s === seasonSlots ? structuredClone(stored) : null;
      slots.set(idx, z);
      return z;
    };
    const dirtySlots = new Set<number>();

    const results: RecordResult[] = [];
    for (const record of records) {
      const off = Number(record.offset);
      const { id, ts } = record;
      const lt = m.lt;
      let replay = false;
      if (lt !== undefined) {
        if (m.tp === tp && m.off !== undefined && off <= m.off && ts <= lt) replay = true;
        else if (ts === lt) replay = m.ids.includes(id);
      }
      const late = !replay && lt !== undefined && ts < lt;
      const apply = !replay && !late;
      const flagged = late && (lt as number) - ts > settings.maxLatenessMs;
      let outcome: Outcome = OUTCOME.applied;
      if (replayUpto !== undefined && off <= replayUpto) outcome = OUTCOME.replayedExact;
      else if (replay) outcome = OUTCOME.replayedCurrent;
      else if (flagged) outcome = OUTCOME.lateFlagged;
      else if (late) outcome = OUTCOME.late;

      const features: Record<string, number> = {};
      const dt = lt === undefined ? undefined : (ts - lt) / 1000;
      let de = m.de;
      if (apply && dt !== undefined) de = de === undefined ? dt : de + settings.rateAlpha * (dt - de);
      const entity: (number | undefined)[] = [dt, de !== undefined && de > 0 ? 60 / de : undefined, flagged ? 1 : 0];
      ENTITY_FEATURES.forEach((name, i) => {
        const value = entity[i];
        if (value !== undefined && Number.isFinite(value)) features[`${ENTITY_PREFIX}.${name}`] = value;
      });

      let seasonPrev: Record<string, number> | undefined;
      let bucket = 0;
      let idx = 0;
      let z: SeasonSlot | null = null;
      if (seasonRes > 0) {
        bucket = Math.floor(ts / seasonRes);
        idx = bucket % seasonSlots;
        z = loadSlot(idx);
        if (z && z.b === bucket) seasonPrev = z.p;
        else if (z && z.b === bucket - seasonSlots) {
          seasonPrev = {};
          for (const [name, cm] of Object.entries(z.c)) seasonPrev[name] = cm[1];
        }
      }

      let dropped = 0;
      record.signals.forEach((name, j) => {
        const x = record.values[j] as number;
        let s = loadSignal(name);
        if (!s) {
          if (!apply) return;
          if (m.ns >= settings.maxSignals) {
            dropped += 1;
            return;
          }
          s = { w: [], h: 1, k: 0, c: cap, mu: 0, m2: 0, e: {} };
          m.ns += 1;
          signals.set(name, s);
        }
        const mean = s.k >= 1 ? s.mu : undefined;
        const std = s.k >= 2 ? Math.sqrt(s.m2 / (s.k - 1)) : undefined;
        const values: (number | undefined)[] = [s.l, s.l === undefined ? undefined : x - s.l, mean, std];
        let zscore: number | undefined;
        if (std !== undefined) {
          const sd = Math.max(std, settings.minStd);
          if (sd > 0) zscore = (x - (mean as number)) / sd;
        }
        const seasonal = seasonPrev?.[name];
        values.push(zscore, seasonal === undefined ? undefined : x - seasonal);
        const ewma: Record<string, number> = {};
        settings.ewma.forEach(({ alpha }, i) => {
          const key = alphaKeys[i] as string;
          const step = ewmaStep(s.e[key], alpha, x);
          ewma[key] = step.after;
          values.push(step.after, step.resid);
        });
        // Like the script, EWMAs of alphas no longer configured stay until the state expires.
        perSignal.forEach((feature, i) => {
          const value = values[i];
          if (value !== undefined && Number.isFinite(value)) features[`${name}.${feature}`] = value;
        });
        if (!apply) return;
        pushValue(s, x);
        s.l = x;
        Object.assign(s.e, ewma);
        dirtySignals.add(name);
        if (seasonRes > 0) {
          if (!z || z.b !== bucket) {
            z = { b: bucket, r: seasonRes, s: seasonSlots, c: {}, p: seasonPrev ?? {} };
            slots.set(idx, z);
          }
          const cm = z.c[name];
          if (cm) {
            cm[0] += 1;
            cm[1] += (x - cm[1]) / cm[0];
          } else z.c[name] = [1, x];
          dirtySlots.add(idx);
        }
      });

      if (apply) {
        if (ts === lt) {
          m.ids.push(id);
          if (m.ids.length > MAX_IDS) m.ids.shift();
        } else m.ids = [id];
        m.lt = ts;
        m.de = de;
        m.n += 1;
      }
      if (apply || m.tp !== tp || m.off === undefined || off > m.off) {
        m.tp = tp;
        m.off = off;
      }
      results.push({ outcome, dropped, features });
    }

    this.state.meta = m;
    for (const name of dirtySignals) this.state.signals.set(name, signals.get(name) as SignalState);
    for (const idx of dirtySlots) this.state.slots.set(idx, slots.get(idx) as SeasonSlot);
    return { created, reset: false, records: results };
  }
}
