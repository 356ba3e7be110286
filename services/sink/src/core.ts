import type { Incident, Label, ScoredAlert, TopicNames } from '@vigil/contracts';
import type { ErrorCode } from '@vigil/errors';

export type Rejected = { ok: false; code: ErrorCode; message: string };

/** What the sink does with a topic's records. */
export const SINK_ROLES = { scored: 'scored', incident: 'incident', label: 'label' } as const;
export type SinkRole = (typeof SINK_ROLES)[keyof typeof SINK_ROLES];

/** The sink's input topics and what each holds. */
export function topicRoles(topics: TopicNames): ReadonlyMap<string, SinkRole> {
  return new Map<string, SinkRole>([
    [topics.alertsScored, SINK_ROLES.scored],
    [topics.incidents, SINK_ROLES.incident],
    [topics.incidentsShadow, SINK_ROLES.incident],
    [topics.feedbackLabels, SINK_ROLES.label],
  ]);
}

/** Earliest and latest time the store takes: 0001-01-01 to 9999-12-31 UTC, which every partition name and timestamptz can hold. */
export const MIN_TIME_MS = -62_135_596_800_000;
export const MAX_TIME_MS = 253_402_300_799_999;

function invalid(message: string): Rejected {
  return { ok: false, code: 'VIGIL_SINK_INVALID_RECORD', message };
}

/** A time field outside the storable range, or undefined when every one is fine. */
export function timeProblem(fields: Record<string, number | null>): Rejected | undefined {
  for (const [name, ms] of Object.entries(fields)) {
    if (ms === null) continue;
    if (!Number.isSafeInteger(ms) || ms < MIN_TIME_MS || ms > MAX_TIME_MS) {
      return invalid(`${name} ${ms} is outside the years 0001 to 9999`);
    }
  }
  return undefined;
}

export function checkScoredAlert(scored: ScoredAlert): Rejected | undefined {
  if (scored.alert.id.length === 0) return invalid('alert.id is empty');
  return timeProblem({
    'alert.ts': scored.alert.ts,
    'alert.ingestedAt': scored.alert.ingestedAt,
    scoredAt: scored.scoredAt,
  });
}

export function checkIncident(incident: Incident): Rejected | undefined {
  if (incident.incidentId.length === 0) return invalid('incidentId is empty');
  return timeProblem({
    openedAt: incident.openedAt,
    lastAnomalyAt: incident.lastAnomalyAt,
    closedAt: incident.closedAt,
    processedAt: incident.processedAt,
  });
}

export function checkLabel(label: Label): Rejected | undefined {
  if (label.alertId.length === 0) return invalid('alertId is empty');
  if (label.labeller.length === 0) return invalid('labeller is empty');
  return timeProblem({ labelledAt: label.labelledAt });
}

/** A Confluent wire-format record starts with the magic byte 0; JSON never does. */
export function isAvroWire(value: Buffer): boolean {
  return value.length > 0 && value[0] === 0;
}

const LABEL_VALUES = new Set<string>(['NORMAL', 'ANOMALY', 'UNKNOWN']);

function optionalText(body: Record<string, unknown>, name: string): string | null | Rejected {
  const value = body[name];
  if (value === undefined || value === null) return null;
  return typeof value === 'string' ? value : invalid(`${name} must be a string or null`);
}

/** Epoch milliseconds, or an RFC 3339 text time as the input records allow. */
function timeField(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value === 'string' && value.length > 0) {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

function isRejected(value: unknown): value is Rejected {
  return typeof value === 'object' && value !== null && (value as { ok?: unknown }).ok === false;
}

/** A `vigil.Label` sent as JSON: the same field names; `labelledAt` as epoch ms or RFC 3339. */
export function parseLabelJson(value: Buffer): { ok: true; label: Label } | Rejected {
  let body: unknown;
  try {
    body = JSON.parse(value.toString('utf8'));
  } catch (error) {
    return invalid(`label is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return invalid('label must be a JSON object');
  const fields = body as Record<string, unknown>;
  const { alertId, label, labeller } = fields;
  if (typeof alertId !== 'string') return invalid('alertId must be a string');
  if (typeof label !== 'string' || !LABEL_VALUES.has(label)) return invalid('label must be NORMAL, ANOMALY or UNKNOWN');
  if (typeof labeller !== 'string') return invalid('labeller must be a string');
  const labelledAt = timeField(fields.labelledAt);
  if (labelledAt === undefined) return invalid('labelledAt must be epoch milliseconds or an RFC 3339 time');
  const requestId = optionalText(fields, 'requestId');
  if (isRejected(requestId)) return requestId;
  const comment = optionalText(fields, 'comment');
  if (isRejected(comment)) return comment;
  const parsed: Label = { alertId, requestId, label: label as Label['label'], labeller, labelledAt, comment };
  const problem = checkLabel(parsed);
  return problem ?? { ok: true, label: parsed };
}
