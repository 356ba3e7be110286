import type { Random } from '@vigil/random';
import type { AnomalyKind } from '../types.ts';
import type { SignalSpec } from './profiles.ts';

/** One labelled anomaly: samples `start` (inclusive) to `end` (exclusive) of one entity. */
export interface AnomalyInterval {
  kind: AnomalyKind;
  signal: string;
  start: number;
  end: number;
  /** Offset in signal units (spike, level shift) or the final offset of a drift; 0 otherwise. */
  magnitude: number;
}

/** Share of each series kept free of anomalies at its start, for training. */
export const CLEAN_SHARE = 0.3;
/** Fewest samples a slot needs to hold an anomaly with normal data around it. */
const MIN_SLOT = 8;

/** Length in samples of an anomaly of `kind` inside a slot of `slot` samples. */
function lengthOf(kind: AnomalyKind, slot: number, random: Random): number {
  switch (kind) {
    case 'spike':
      return random.int(1, Math.min(3, Math.floor(slot / 4)));
    case 'drift':
      return Math.max(2, Math.round(slot * random.uniform(0.3, 0.5)));
    default:
      return Math.max(2, Math.round(slot * random.uniform(0.1, 0.3)));
  }
}

function magnitudeOf(kind: AnomalyKind, spec: SignalSpec, random: Random): number {
  switch (kind) {
    case 'spike':
      return random.sign() * random.uniform(3, 5) * spec.scale;
    case 'level_shift':
      return random.sign() * random.uniform(1.5, 2.5) * spec.scale;
    case 'drift':
      return random.sign() * random.uniform(2, 3) * spec.scale;
    default:
      return 0;
  }
}

/**
 * Places `count` anomalies on a series of `samples` samples: after the clean
 * first share, one per equal slot, at a random place inside the middle 80 % of
 * the slot (so anomalies never touch and normal data separates them). Kinds
 * rotate with `offset` so that entities with fewer anomalies than kinds still
 * cover every kind between them.
 */
export function scheduleAnomalies(
  random: Random,
  samples: number,
  kinds: readonly AnomalyKind[],
  count: number,
  offset: number,
  signals: readonly SignalSpec[],
): AnomalyInterval[] {
  if (kinds.length === 0 || count <= 0) return [];
  const first = Math.ceil(samples * CLEAN_SHARE);
  const slots = Math.min(count, Math.floor((samples - first) / MIN_SLOT));
  if (slots <= 0) return [];
  const slot = Math.floor((samples - first) / slots);
  const dependent = signals.filter((s) => s.dependent);
  const intervals: AnomalyInterval[] = [];
  for (let i = 0; i < slots; i++) {
    const kind = kinds[(i + offset) % kinds.length] as AnomalyKind;
    const candidates = kind === 'broken_correlation' ? dependent : signals;
    const spec = candidates[random.int(0, candidates.length - 1)] as SignalSpec;
    const margin = Math.max(1, Math.floor(slot * 0.1));
    const length = Math.min(lengthOf(kind, slot, random), slot - 2 * margin);
    const start = first + i * slot + margin + random.int(0, slot - 2 * margin - length);
    intervals.push({ kind, signal: spec.name, start, end: start + length, magnitude: magnitudeOf(kind, spec, random) });
  }
  return intervals;
}

/** Applies an additive anomaly, flipping its sign when it would leave the signal's range. */
export function offsetWithin(value: number, offset: number, spec: SignalSpec): number {
  const min = spec.min ?? Number.NEGATIVE_INFINITY;
  const max = spec.max ?? Number.POSITIVE_INFINITY;
  let shifted = value + offset;
  if (shifted < min || shifted > max) shifted = value - offset;
  return Math.min(max, Math.max(min, shifted));
}
