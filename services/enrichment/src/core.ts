import type { Alert } from '@vigil/contracts';
import { VigilError } from '@vigil/errors';
import type { FeatureConfig, SourceSettings } from './feature-config.ts';

/**
 * What happened to one record's entity state. The numbers are the codes the
 * Lua script returns (`enrich.lua` keeps the same table).
 */
export const OUTCOME = {
  /** In event-time order: features computed, then the record was added to the state. */
  applied: 0,
  /** Older than the entity's last record by at most `maxLateness`: features against the current state, state unchanged. */
  late: 1,
  /** Older by more than `maxLateness`: as `late`, and `_entity.late` = 1. */
  lateFlagged: 2,
  /** Re-delivered after the state it changed was rolled back to its snapshot: the same features as the first time. */
  replayedExact: 3,
  /** Re-delivered and already in the state: features against the current state, state unchanged. */
  replayedCurrent: 4,
} as const;
export type Outcome = (typeof OUTCOME)[keyof typeof OUTCOME];

/** Per-signal features in reply order; EWMA features follow, two per configured EWMA. */
export const SIGNAL_FEATURES = ['last', 'diff', 'mean', 'std', 'zscore', 'sdiff'] as const;
/** Entity-level features in reply order, each named `_entity.<name>`. */
export const ENTITY_FEATURES = ['dt_s', 'rate_per_min', 'late'] as const;
export const ENTITY_PREFIX = '_entity';

/** Feature names of one signal under `settings`, in the order the script returns them. */
export function signalFeatureNames(settings: SourceSettings): string[] {
  const names: string[] = [...SIGNAL_FEATURES];
  for (const { name } of settings.ewma) names.push(name, `${name}_resid`);
  return names;
}

/** A decoded alert with where it was read (the Kafka coordinates drive replay detection). */
export interface EnrichInput {
  /** Position in the Kafka batch, to put the result back in place. */
  index: number;
  alert: Alert;
  topic: string;
  partition: number;
  offset: string;
}

export interface PlannedRecord {
  index: number;
  id: string;
  ts: number;
  offset: string;
  signals: string[];
  values: number[];
}

/** One atomic script call: consecutive records of one entity from one partition. */
export interface PlannedCall {
  source: string;
  entity: string;
  /** `topic/partition` of the records. */
  tp: string;
  settings: SourceSettings;
  /** True for the second and later chunk of one entity in one batch: the snapshot of the first chunk stays. */
  continues: boolean;
  records: PlannedRecord[];
}

export interface RecordResult {
  outcome: Outcome;
  /** Signals left without features because the entity already has `maxSignals` signals. */
  dropped: number;
  features: Record<string, number>;
}

export interface CallResult {
  /** The entity had no state before this call. */
  created: boolean;
  /** Some stored state could not be read and was started afresh. */
  reset: boolean;
  records: RecordResult[];
}

function selectSignals(values: Record<string, number>, settings: SourceSettings): string[] {
  if (settings.signals === null) return Object.keys(values);
  return settings.signals.filter((name) => values[name] !== undefined);
}

/**
 * Groups a batch into script calls: one per (partition, source, entity), in
 * offset order, split into chunks of at most `maxRecordsPerCall` so one script
 * never blocks Redis for long. Pipelined in this order, the records of one
 * entity are applied in offset order.
 */
export function planCalls(
  inputs: readonly EnrichInput[],
  config: FeatureConfig,
  maxRecordsPerCall: number,
): PlannedCall[] {
  const groups = new Map<string, { source: string; entity: string; tp: string; records: PlannedRecord[] }>();
  for (const { index, alert, topic, partition, offset } of inputs) {
    const tp = `${topic}/${partition}`;
    const key = `${tp}\u0000${alert.source}\u0000${alert.entity}`;
    let group = groups.get(key);
    if (!group) {
      group = { source: alert.source, entity: alert.entity, tp, records: [] };
      groups.set(key, group);
    }
    const signals = selectSignals(alert.values, config.forSource(alert.source));
    const values = signals.map((name) => alert.values[name] as number);
    group.records.push({ index, id: alert.id, ts: alert.ts, offset, signals, values });
  }
  const calls: PlannedCall[] = [];
  for (const { source, entity, tp, records } of groups.values()) {
    const settings = config.forSource(source);
    for (let start = 0; start < records.length; start += maxRecordsPerCall) {
      calls.push({
        source,
        entity,
        tp,
        settings,
        continues: start > 0,
        records: records.slice(start, start + maxRecordsPerCall),
      });
    }
  }
  return calls;
}

/** Expiry of an entity's state and of its snapshot (kept only for re-deliveries, so shorter). */
export interface CallTtls {
  stateMs: number;
  snapshotMs: number;
}

const settingsArgsCache = new WeakMap<SourceSettings, string[]>();

/** The settings part of a call's arguments, in the order `enrich.lua` reads them. */
function settingsArgs(settings: SourceSettings, ttl: CallTtls): string[] {
  let args = settingsArgsCache.get(settings);
  if (!args) {
    args = [
      String(settings.windowSize),
      String(settings.rateAlpha),
      String(settings.season?.resolutionMs ?? 0),
      String(settings.season?.slots ?? 0),
      String(settings.maxLatenessMs),
      String(settings.maxSignals),
      String(settings.minStd),
      String(settings.ewma.length),
      ...settings.ewma.map(({ alpha }) => String(alpha)),
    ];
    settingsArgsCache.set(settings, args);
  }
  return [String(ttl.stateMs), String(ttl.snapshotMs), ...args];
}

/**
 * ARGV of one script call: the settings, then a dictionary of the call's
 * signal names, one binary blob of little-endian doubles (per record: offset,
 * ts, signal count, then (name index, value) pairs) and the record ids. Few,
 * large arguments keep both the client and Redis's argument parsing cheap;
 * doubles carry values and offsets (< 2^53) exactly.
 */
export function callArgs(call: PlannedCall, ttl: CallTtls): (string | Buffer)[] {
  const args: (string | Buffer)[] = settingsArgs(call.settings, ttl);
  const names = new Map<string, number>();
  let doubles = 0;
  for (const record of call.records) {
    doubles += 3 + 2 * record.signals.length;
    for (const name of record.signals) if (!names.has(name)) names.set(name, names.size + 1);
  }
  const blob = Buffer.allocUnsafe(doubles * 8);
  let at = 0;
  for (const record of call.records) {
    at = blob.writeDoubleLE(Number(record.offset), at);
    at = blob.writeDoubleLE(record.ts, at);
    at = blob.writeDoubleLE(record.signals.length, at);
    for (let i = 0; i < record.signals.length; i++) {
      at = blob.writeDoubleLE(names.get(record.signals[i] as string) as number, at);
      at = blob.writeDoubleLE(record.values[i] as number, at);
    }
  }
  args.push(call.tp, call.continues ? '1' : '0', String(call.records.length), String(names.size), ...names.keys());
  args.push(blob);
  for (const record of call.records) args.push(record.id);
  return args;
}

const ENTITY_FEATURE_NAMES = ENTITY_FEATURES.map((name) => `${ENTITY_PREFIX}.${name}`);
const MAX_CACHED_SIGNALS = 10_000;
const featureNameCache = new WeakMap<SourceSettings, Map<string, string[]>>();

/** `<signal>.<feature>` names of one signal, cached: building them per record is a large share of decoding. */
function featureNamesOf(settings: SourceSettings, signal: string): string[] {
  let bySignal = featureNameCache.get(settings);
  if (!bySignal) {
    bySignal = new Map();
    featureNameCache.set(settings, bySignal);
  }
  let names = bySignal.get(signal);
  if (!names) {
    if (bySignal.size >= MAX_CACHED_SIGNALS) bySignal.clear();
    names = signalFeatureNames(settings).map((feature) => `${signal}.${feature}`);
    bySignal.set(signal, names);
  }
  return names;
}

const HEADER_DOUBLES = 2;
const RECORD_HEADER_DOUBLES = 2 + ENTITY_FEATURES.length;

function isOutcome(code: number): code is Outcome {
  return Number.isInteger(code) && code >= OUTCOME.applied && code <= OUTCOME.replayedCurrent;
}

/**
 * Reads a script reply: little-endian doubles, NaN where a feature is not
 * defined. Undefined and non-finite features (an overflowing difference) are
 * left out of the map. Layout: created, reset, then per
 * record outcome, dropped, the entity features and each signal's features.
 */
export function decodeReply(reply: Buffer, call: PlannedCall): CallResult {
  const perSignal = 6 + 2 * call.settings.ewma.length;
  let expected = HEADER_DOUBLES;
  for (const record of call.records) expected += RECORD_HEADER_DOUBLES + record.signals.length * perSignal;
  if (reply.length !== expected * 8) {
    throw new VigilError(
      'VIGIL_ENRICHMENT_SCRIPT_FAILED',
      `feature script returned ${reply.length} bytes for ${call.records.length} records, expected ${expected * 8}`,
      { entity: call.entity, source: call.source },
    );
  }
  let at = 0;
  const next = (): number => {
    const value = reply.readDoubleLE(at);
    at += 8;
    return value;
  };
  const created = next() === 1;
  const reset = next() === 1;
  const records: RecordResult[] = [];
  for (const record of call.records) {
    const outcome = next();
    if (!isOutcome(outcome)) {
      throw new VigilError('VIGIL_ENRICHMENT_SCRIPT_FAILED', `feature script returned outcome ${outcome}`, {
        entity: call.entity,
      });
    }
    const dropped = next();
    const features: Record<string, number> = {};
    for (const name of ENTITY_FEATURE_NAMES) {
      const value = next();
      if (Number.isFinite(value)) features[name] = value;
    }
    for (const signal of record.signals) {
      for (const name of featureNamesOf(call.settings, signal)) {
        const value = next();
        if (Number.isFinite(value)) features[name] = value;
      }
    }
    records.push({ outcome, dropped, features });
  }
  return { created, reset, records };
}
