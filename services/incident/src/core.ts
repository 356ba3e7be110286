import type { Alert, Incident, Score, ScoredAlert } from '@vigil/contracts';
import { GroupLedger } from './groups.ts';
import { closeIfQuiet, isProcessed, type KeyContext, markProcessed, type Observation, observe } from './machine.ts';
import type { IncidentRules } from './rules.ts';
import { type EntityState, emptyKeyState, type KeyState, keyId } from './state.ts';

export interface CoreSettings {
  rules: IncidentRules;
  /** Aliases whose incidents are actionable (go to `incidents`); every other alias goes to `incidents.shadow`. */
  actionableAliases: ReadonlySet<string>;
}

/**
 * What the service reads of a scored alert: everything but the alert's values,
 * attributes and features, which the handler skips while decoding (they are
 * most of the record's bytes). A full ScoredAlert is one too.
 */
export type ScoredAlertHead = Omit<ScoredAlert, 'alert'> & { alert: Omit<Alert, 'values' | 'attrs' | 'features'> };

/** The fields left out of ScoredAlertHead, as projection paths. */
export const SKIPPED_ALERT_FIELDS = ['alert.values', 'alert.attrs', 'alert.features'] as const;

export interface AppliedAlert {
  state: EntityState;
  /** Transitions in emission order: closes first, then opens and updates, keys in (model, alias) order. */
  incidents: Incident[];
  /** Keys whose score was ignored because the key had processed this alert (or a later one) already. */
  replayed: number;
  /** Aliases of keys whose anomaly fell inside a suppression period. */
  suppressed: string[];
}

function observationOf(scored: ScoredAlertHead, score: Score): Observation {
  return {
    alertId: scored.alert.id,
    ts: scored.alert.ts,
    source: scored.alert.source,
    module: score.module,
    version: score.version,
    verdict: score.verdict,
    score: score.calibrated ?? (score.verdict === 'ANOMALY' ? score.thresholds.anomalyAbove : 0),
    contributors: score.contributors,
  };
}

function byKey(a: Score, b: Score): number {
  if (a.model !== b.model) return a.model < b.model ? -1 : 1;
  return a.alias < b.alias ? -1 : a.alias > b.alias ? 1 : 0;
}

/**
 * Applies one scored alert to its entity's state: the pure core of the service
 * (no I/O, no clock but the `processedAt` it is given). Returns the new state
 * and the transitions; the input state is not modified, so the caller can
 * still tell what changed. A second Score of the same (model, alias) in one
 * alert is ignored: the key has processed that alert already.
 */
export function applyScoredAlert(
  state: EntityState,
  scored: ScoredAlertHead,
  settings: CoreSettings,
  processedAt: number,
): AppliedAlert {
  const { ts, id } = scored.alert;
  const groups = new GroupLedger(state.group);
  const keys: Record<string, KeyState> = { ...state.keys };
  const work: { ctx: KeyContext; obs: Observation }[] = [];
  let replayed = 0;

  for (const score of [...scored.scores].sort(byKey)) {
    const key = keyId(score.model, score.alias);
    const current = keys[key] ?? emptyKeyState(score.model, score.alias);
    if (isProcessed(current.last, ts, id)) {
      replayed++;
      continue;
    }
    keys[key] = { ...current, last: markProcessed(current.last, ts, id) };
    work.push({
      ctx: {
        entity: state.entity,
        key,
        model: score.model,
        alias: score.alias,
        actionable: settings.actionableAliases.has(score.alias),
        processedAt,
        rule: settings.rules.ruleFor(score.model),
      },
      obs: observationOf(scored, score),
    });
  }

  const incidents: Incident[] = [];
  for (const { ctx } of work) {
    const step = closeIfQuiet(keys[ctx.key] as KeyState, ts, ctx, groups);
    keys[ctx.key] = step.key;
    if (step.event) incidents.push(step.event);
  }
  const suppressed: string[] = [];
  for (const { ctx, obs } of work) {
    const step = observe(keys[ctx.key] as KeyState, obs, ctx, groups);
    keys[ctx.key] = step.key;
    if (step.event) incidents.push(step.event);
    if (step.suppressed) suppressed.push(ctx.alias);
  }

  return { state: { ...state, keys, group: groups.state() }, incidents, replayed, suppressed };
}
