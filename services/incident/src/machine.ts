import { createHash } from 'node:crypto';
import type { Contribution, Incident, IncidentStatus, Severity, Verdict } from '@vigil/contracts';
import type { GroupLedger } from './groups.ts';
import type { Rule } from './rules.ts';
import type { Evidence, KeyState, LastProcessed, OpenIncident, WindowEntry } from './state.ts';

/**
 * The incident state machine of one (entity, model, alias) key. Pure and
 * deterministic: every decision uses event time (the alerts' `ts`) only;
 * processing time appears in `processedAt` and nowhere else. The README's
 * "Rules" section states the same rules in prose.
 */

/** One Score of one alert, as the rules see it. */
export interface Observation {
  alertId: string;
  ts: number;
  source: string;
  module: string;
  version: string;
  verdict: Verdict;
  /** Calibrated score; for an ANOMALY without one, the threshold it passed. */
  score: number;
  contributors: readonly Contribution[];
}

export interface KeyContext {
  entity: string;
  /** `keyId(model, alias)`: the key's name inside the entity state and its group. */
  key: string;
  model: string;
  alias: string;
  actionable: boolean;
  processedAt: number;
  rule: Rule;
}

export interface Step {
  key: KeyState;
  /** The transition this step emitted, if any. */
  event: Incident | null;
  /** An anomaly arrived while a new incident of this key was suppressed. */
  suppressed: boolean;
}

const SEVERITY_RANK: Readonly<Record<Severity, number>> = { LOW: 0, MEDIUM: 1, HIGH: 2, CRITICAL: 3 };

/** Most ids kept for alerts that share the last processed event time (see `isProcessed`). */
export const MAX_IDS_AT_LAST_TS = 64;

export function severityOf(peakScore: number, rule: Rule): Severity {
  if (peakScore >= rule.severity.critical) return 'CRITICAL';
  if (peakScore >= rule.severity.high) return 'HIGH';
  if (peakScore >= rule.severity.medium) return 'MEDIUM';
  return 'LOW';
}

/** hash(entity, model, alias, opening alert id): the same opening gives the same id on every replay. */
export function incidentIdOf(entity: string, model: string, alias: string, openingAlertId: string): string {
  return createHash('sha256')
    .update(JSON.stringify([entity, model, alias, openingAlertId]))
    .digest('hex')
    .slice(0, 32);
}

/**
 * True when the alert (ts, id) is at or before the last one this key processed:
 * a replay after a crash or a re-run. Input order per entity is the partition
 * order (the key is the entity), so anything older is a replay too.
 */
export function isProcessed(last: LastProcessed | null, ts: number, id: string): boolean {
  if (last === null || ts > last.ts) return false;
  return ts < last.ts || last.ids.includes(id);
}

export function markProcessed(last: LastProcessed | null, ts: number, id: string): LastProcessed {
  if (last === null || ts > last.ts) return { ts, ids: [id] };
  return { ts, ids: [...last.ids, id].slice(-MAX_IDS_AT_LAST_TS) };
}

/** Signals by mean contribution over the covered alerts, largest first (ties by name), at most `max`. */
export function topContributors(sums: Record<string, number>, count: number, max: number): Contribution[] {
  return Object.entries(sums)
    .map(([signal, sum]) => ({ signal, weight: count > 0 ? sum / count : 0 }))
    .sort((a, b) => b.weight - a.weight || (a.signal < b.signal ? -1 : a.signal > b.signal ? 1 : 0))
    .slice(0, max);
}

function cover(open: OpenIncident, evidence: Evidence, rule: Rule): OpenIncident {
  const contributorSums = { ...open.contributorSums };
  for (const { signal, weight } of evidence.contributors) {
    contributorSums[signal] = (contributorSums[signal] ?? 0) + weight;
  }
  return {
    ...open,
    lastAnomalyAt: Math.max(open.lastAnomalyAt, evidence.ts),
    peakScore: Math.max(open.peakScore, evidence.score),
    alertIds: open.alertIds.length < rule.maxAlertIds ? [...open.alertIds, evidence.id] : open.alertIds,
    anomalies: open.anomalies + 1,
    contributorSums,
  };
}

function toIncident(
  open: OpenIncident,
  status: IncidentStatus,
  ctx: KeyContext,
  extra: { reminder?: boolean; closedAt?: number } = {},
): Incident {
  return {
    incidentId: open.incidentId,
    groupId: open.groupId,
    status,
    sequence: open.sequence,
    reminder: extra.reminder ?? false,
    entity: ctx.entity,
    source: open.source,
    module: open.module,
    model: ctx.model,
    version: open.version,
    alias: ctx.alias,
    actionable: ctx.actionable,
    severity: severityOf(open.peakScore, ctx.rule),
    peakScore: open.peakScore,
    openedAt: open.openedAt,
    lastAnomalyAt: open.lastAnomalyAt,
    closedAt: extra.closedAt ?? null,
    processedAt: ctx.processedAt,
    alertIds: [...open.alertIds],
    contributors: topContributors(open.contributorSums, open.anomalies, ctx.rule.maxContributors),
  };
}

function evidenceOf(obs: Observation, rule: Rule): Evidence | null {
  if (obs.verdict !== 'ANOMALY') return null;
  return {
    id: obs.alertId,
    ts: obs.ts,
    score: obs.score,
    contributors: obs.contributors.slice(0, rule.maxContributors),
  };
}

/**
 * Phase one of an alert: an open incident whose quiet period ran out by event
 * time `t` closes, with `closedAt` = last anomaly + quiet period (when it went
 * quiet, not when the next alert happened to arrive). Runs for every key of an
 * alert before any key opens, so a group is left before a new one is joined.
 */
export function closeIfQuiet(key: KeyState, t: number, ctx: KeyContext, groups: GroupLedger): Step {
  const open = key.open;
  if (open === null || t - open.lastAnomalyAt < ctx.rule.quietPeriodMs) return { key, event: null, suppressed: false };
  const closedAt = open.lastAnomalyAt + ctx.rule.quietPeriodMs;
  const closed = { ...open, sequence: open.sequence + 1 };
  groups.leave(ctx.key);
  return {
    key: {
      ...key,
      open: null,
      window: [],
      suppressedUntil: ctx.rule.suppressionPeriodMs > 0 ? closedAt + ctx.rule.suppressionPeriodMs : null,
    },
    event: toIncident(closed, 'CLOSED', ctx, { closedAt }),
    suppressed: false,
  };
}

/** Phase two: the key's verdict for this alert opens, updates or reminds. */
export function observe(key: KeyState, obs: Observation, ctx: KeyContext, groups: GroupLedger): Step {
  const suppressedUntil = key.suppressedUntil !== null && obs.ts >= key.suppressedUntil ? null : key.suppressedUntil;
  const current = suppressedUntil === key.suppressedUntil ? key : { ...key, suppressedUntil };
  return current.open === null ? observeClosed(current, obs, ctx, groups) : observeOpen(current, obs, ctx, groups);
}

function observeClosed(key: KeyState, obs: Observation, ctx: KeyContext, groups: GroupLedger): Step {
  const { rule } = ctx;
  const evidence = evidenceOf(obs, rule);
  const since = obs.ts - rule.observationMs;
  const window: WindowEntry[] = [...key.window, { ts: obs.ts, evidence }]
    .filter((entry) => entry.ts > since)
    .slice(-rule.n);
  const anomalies = window.flatMap((entry) => (entry.evidence === null ? [] : [entry.evidence]));
  if (evidence === null || anomalies.length < rule.k)
    return { key: { ...key, window }, event: null, suppressed: false };
  if (key.suppressedUntil !== null) return { key: { ...key, window }, event: null, suppressed: true };

  const incidentId = incidentIdOf(ctx.entity, ctx.model, ctx.alias, obs.alertId);
  const groupId = groups.join(ctx.key, incidentId, obs.ts, obs.ts + rule.quietPeriodMs);
  let open: OpenIncident = {
    incidentId,
    groupId,
    sequence: 0,
    source: obs.source,
    module: obs.module,
    version: obs.version,
    openedAt: (anomalies[0] as Evidence).ts,
    lastAnomalyAt: obs.ts,
    lastNotifiedAt: obs.ts,
    notifiedSeverity: 'LOW',
    peakScore: 0,
    alertIds: [],
    anomalies: 0,
    contributorSums: {},
  };
  for (const covered of anomalies) open = cover(open, covered, rule);
  open = { ...open, notifiedSeverity: severityOf(open.peakScore, rule) };
  return { key: { ...key, window: [], open }, event: toIncident(open, 'OPEN', ctx), suppressed: false };
}

function observeOpen(key: KeyState, obs: Observation, ctx: KeyContext, groups: GroupLedger): Step {
  const { rule } = ctx;
  let open = key.open as OpenIncident;
  const evidence = evidenceOf(obs, rule);
  let reminder = false;
  let notify = false;
  if (evidence !== null) {
    open = { ...cover(open, evidence, rule), module: obs.module, version: obs.version };
    groups.extend(ctx.key, obs.ts + rule.quietPeriodMs);
    const raised = SEVERITY_RANK[severityOf(open.peakScore, rule)] > SEVERITY_RANK[open.notifiedSeverity];
    notify = raised || obs.ts - open.lastNotifiedAt >= rule.updateEveryMs;
  }
  if (!notify && rule.reminderPeriodMs !== null && obs.ts - open.lastNotifiedAt >= rule.reminderPeriodMs) {
    notify = true;
    reminder = true;
  }
  if (!notify) return { key: { ...key, open }, event: null, suppressed: false };
  open = {
    ...open,
    sequence: open.sequence + 1,
    lastNotifiedAt: obs.ts,
    notifiedSeverity: severityOf(open.peakScore, rule),
  };
  return { key: { ...key, open }, event: toIncident(open, 'UPDATED', ctx, { reminder }), suppressed: false };
}
