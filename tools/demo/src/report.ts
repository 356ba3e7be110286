/** Pure pieces of the demo report: labelled segments and how incidents line up with them. */
import { textTable } from '@vigil/table';

export interface LabelLine {
  id: string;
  entity: string;
  ts: number;
  anomaly: boolean;
}

export interface Segment {
  entity: string;
  records: number;
  anomalous: number;
  /** First and last event time labelled anomalous; null when the entity has none. */
  from: number | null;
  to: number | null;
}

export interface IncidentRow {
  incidentId: string;
  entity: string;
  model: string;
  alias: string;
  groupId: string;
  actionable: boolean;
  severity: string;
  openedAt: number;
  closedAt: number | null;
  alerts: number;
}

/** The labelled anomalous span of each entity (first to last anomalous record). */
export function segmentsOf(labels: Iterable<LabelLine>): Segment[] {
  const byEntity = new Map<string, Segment>();
  for (const line of labels) {
    let segment = byEntity.get(line.entity);
    if (!segment) {
      segment = { entity: line.entity, records: 0, anomalous: 0, from: null, to: null };
      byEntity.set(line.entity, segment);
    }
    segment.records++;
    if (line.anomaly) {
      segment.anomalous++;
      segment.from = segment.from === null ? line.ts : Math.min(segment.from, line.ts);
      segment.to = segment.to === null ? line.ts : Math.max(segment.to, line.ts);
    }
  }
  return [...byEntity.values()].sort((a, b) => a.entity.localeCompare(b.entity));
}

/** Where an incident opened relative to its entity's labelled segment, in words an operator reads at a glance. */
export function placement(openedAt: number, segment: Segment | undefined): string {
  if (!segment || segment.from === null || segment.to === null)
    return 'no labelled anomaly on this entity (false alarm)';
  const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;
  if (openedAt < segment.from) return `${seconds(segment.from - openedAt)} before the labelled segment`;
  if (openedAt <= segment.to) return `inside the labelled segment, ${seconds(openedAt - segment.from)} after it began`;
  return `${seconds(openedAt - segment.to)} after the labelled segment ended`;
}

export interface Outcome {
  entity: string;
  /** One line an operator reads: what the labels say and what the actionable incidents did. */
  verdict: string;
}

/**
 * Per entity, the detection outcome of the actionable (published) incidents against the labels:
 * the first one that opened on a labelled segment and when, a missed segment, or false alarms.
 */
export function outcomes(segments: readonly Segment[], incidents: readonly IncidentRow[]): Outcome[] {
  return segments.map((segment) => {
    const opened = incidents
      .filter((i) => i.actionable && i.entity === segment.entity)
      .sort((a, b) => a.openedAt - b.openedAt);
    if (segment.from === null || segment.to === null) {
      return {
        entity: segment.entity,
        verdict:
          opened.length === 0
            ? 'normal operation, no incident (correct)'
            : `normal operation, ${opened.length} incident(s) (false alarm: ${[...new Set(opened.map((i) => i.model))].join(', ')})`,
      };
    }
    const to = segment.to;
    const early = opened.filter((i) => i.openedAt < (segment.from ?? 0));
    const hit = opened.find((i) => i.openedAt >= (segment.from ?? 0) && i.openedAt <= to);
    const parts: string[] = [];
    if (hit) parts.push(`detected by ${hit.model}, ${placement(hit.openedAt, segment)}`);
    else parts.push('missed: no actionable incident opened inside the labelled segment');
    if (early.length > 0) parts.push(`${early.length} incident(s) before it (false alarm)`);
    return { entity: segment.entity, verdict: parts.join('; ') };
  });
}

/** Aligned columns under their header, as the demo prints them. */
export function table(header: string[], rows: string[][]): string {
  return textTable(header, rows, { rule: false });
}
