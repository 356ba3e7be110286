import type { Contribution, Severity } from '@vigil/contracts';

/**
 * The incident state of one entity, stored in Redis as one JSON value so a
 * batch loads every entity it touches with one MGET. All times are event times
 * (the alerts' `ts`), so a replay of old data rebuilds the same state.
 */
export interface EntityState {
  /** Format version: a stored value of another version is refused, never guessed at. */
  v: typeof STATE_VERSION;
  entity: string;
  /** Per (model, alias), keyed by `keyId(model, alias)`. */
  keys: Record<string, KeyState>;
  /** Incidents of this entity that overlap in time, across models; null while none is open. */
  group: GroupState | null;
}

export const STATE_VERSION = 1;

/** One anomalous verdict, as much as an incident needs of it. */
export interface Evidence {
  id: string;
  ts: number;
  score: number;
  contributors: Contribution[];
}

/** One of the last `n` verdicts of a key; `evidence` is null for any verdict but ANOMALY. */
export interface WindowEntry {
  ts: number;
  evidence: Evidence | null;
}

export interface OpenIncident {
  incidentId: string;
  groupId: string;
  /** Sequence number of the last transition emitted. */
  sequence: number;
  source: string;
  module: string;
  version: string;
  openedAt: number;
  lastAnomalyAt: number;
  /** Event time of the last OPEN or UPDATED event (updates and reminders count from it). */
  lastNotifiedAt: number;
  /** Severity the last event carried (an increase is notified at once). */
  notifiedSeverity: Severity;
  peakScore: number;
  /** The first `maxAlertIds` covered anomalous alerts, in event order. */
  alertIds: string[];
  /** Every covered anomalous alert, also those beyond `maxAlertIds`. */
  anomalies: number;
  /** Sum of each signal's contribution weight over the covered alerts. */
  contributorSums: Record<string, number>;
}

/** The last processed alert of a key: its time, and the ids processed at exactly that time. */
export interface LastProcessed {
  ts: number;
  ids: string[];
}

export interface KeyState {
  model: string;
  alias: string;
  last: LastProcessed | null;
  /** The last ≤ n verdicts inside the observation interval, oldest first; empty while an incident is open. */
  window: WindowEntry[];
  open: OpenIncident | null;
  /** No new incident opens before this event time (set on close); null when none. */
  suppressedUntil: number | null;
}

export interface GroupState {
  groupId: string;
  /** Open incidents of the group by key id → event time their quiet period runs out. */
  members: Record<string, number>;
}

/** The id of a (model, alias) key inside an entity's state; JSON, so no name can collide with another. */
export function keyId(model: string, alias: string): string {
  return JSON.stringify([model, alias]);
}

export function emptyEntityState(entity: string): EntityState {
  return { v: STATE_VERSION, entity, keys: {}, group: null };
}

export function emptyKeyState(model: string, alias: string): KeyState {
  return { model, alias, last: null, window: [], open: null, suppressedUntil: null };
}

export function serializeEntityState(state: EntityState): string {
  return JSON.stringify(state);
}

export type ParsedState = { ok: true; state: EntityState } | { ok: false; message: string };

/**
 * Reads a stored value back. The shape is checked down to the key level; the
 * state is only ever written by this service, so a deeper check would cost
 * time on every batch to catch nothing but a code change, which bumps `v`.
 */
export function parseEntityState(entity: string, text: string | null): ParsedState {
  if (text === null) return { ok: true, state: emptyEntityState(entity) };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: `stored state is not JSON: ${(error as Error).message}` };
  }
  if (typeof value !== 'object' || value === null) return { ok: false, message: 'stored state is not an object' };
  const state = value as Partial<EntityState>;
  if (state.v !== STATE_VERSION) return { ok: false, message: `stored state has version ${String(state.v)}` };
  if (state.entity !== entity) return { ok: false, message: `stored state belongs to entity ${String(state.entity)}` };
  if (typeof state.keys !== 'object' || state.keys === null) return { ok: false, message: 'stored state has no keys' };
  for (const key of Object.values(state.keys)) {
    if (typeof key !== 'object' || key === null || !Array.isArray(key.window) || typeof key.model !== 'string') {
      return { ok: false, message: 'stored state has a malformed key' };
    }
  }
  return { ok: true, state: state as EntityState };
}
