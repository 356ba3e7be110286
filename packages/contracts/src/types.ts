/**
 * TypeScript shapes of the Avro records in `schemas/`. Long values are plain
 * numbers (epoch milliseconds fit in 2^53). `types.test.ts` round-trips a
 * sample of each through its schema, so a drift fails a test.
 */
export type Verdict = 'NORMAL' | 'ANOMALY' | 'UNSURE' | 'MISSING';
export type InputFormat = 'JSON' | 'AVRO';

export interface Telemetry {
  id: string | null;
  source: string;
  entity: string;
  ts: number;
  values: Record<string, number>;
  attrs: Record<string, string>;
}

export interface Origin {
  topic: string;
  partition: number;
  offset: string;
  format: InputFormat;
}

export interface Alert {
  id: string;
  source: string;
  entity: string;
  ts: number;
  ingestedAt: number;
  values: Record<string, number>;
  attrs: Record<string, string>;
  features: Record<string, number>;
  origin: Origin;
}

export interface ElementScore {
  name: string;
  kind: string;
  raw: number | null;
  calibrated: number | null;
}

export interface Contribution {
  signal: string;
  weight: number;
}

export interface Score {
  module: string;
  model: string;
  version: string;
  alias: string;
  raw: number | null;
  calibrated: number | null;
  verdict: Verdict;
  missingReason: string | null;
  thresholds: { unsureAbove: number; anomalyAbove: number };
  elements: ElementScore[];
  contributors: Contribution[];
  latencyMs: number;
}

export interface ScoredAlert {
  alert: Alert;
  scores: Score[];
  scoredAt: number;
}

export type IncidentStatus = 'OPEN' | 'UPDATED' | 'CLOSED';
export type Severity = 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';

export interface Incident {
  incidentId: string;
  groupId: string;
  status: IncidentStatus;
  sequence: number;
  reminder: boolean;
  entity: string;
  source: string;
  module: string;
  model: string;
  version: string;
  alias: string;
  actionable: boolean;
  severity: Severity;
  peakScore: number;
  openedAt: number;
  lastAnomalyAt: number;
  closedAt: number | null;
  processedAt: number;
  alertIds: string[];
  contributors: Contribution[];
}

export type SamplingReason = 'RANDOM' | 'BORDERLINE' | 'UNSURE' | 'INJECTED_UNSURE';

export interface FeedbackRequest {
  requestId: string;
  alertId: string;
  entity: string;
  source: string;
  ts: number;
  module: string;
  model: string;
  version: string;
  alias: string;
  verdict: 'NORMAL' | 'ANOMALY' | 'UNSURE';
  calibrated: number | null;
  reason: SamplingReason;
  inclusionProbability: number;
  requestedAt: number;
}

export interface Label {
  alertId: string;
  requestId: string | null;
  label: 'NORMAL' | 'ANOMALY' | 'UNKNOWN';
  labeller: string;
  labelledAt: number;
  comment: string | null;
}

/** Avro full name → TypeScript shape. */
export interface RecordBySchema {
  'vigil.Telemetry': Telemetry;
  'vigil.Alert': Alert;
  'vigil.ScoredAlert': ScoredAlert;
  'vigil.Incident': Incident;
  'vigil.FeedbackRequest': FeedbackRequest;
  'vigil.Label': Label;
}
