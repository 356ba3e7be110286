import { type AvroCodec, decodeOrReject } from '@vigil/avro';
import type { Incident, Label, ScoredAlert, TopicNames } from '@vigil/contracts';
import { isVigilError } from '@vigil/errors';
import type { BatchHandler, RecordOutcome, SourceRecord } from '@vigil/kafka';
import {
  checkIncident,
  checkLabel,
  checkScoredAlert,
  isAvroWire,
  parseLabelJson,
  type Rejected,
  SINK_ROLES,
  type SinkRole,
  topicRoles,
} from './core.ts';
import type { SinkMetrics } from './metrics.ts';
import { emptyBatch, type SinkBatch } from './tables.ts';
import type { StoreWriter } from './writer.ts';

export interface SinkDependencies {
  codec: AvroCodec;
  writer: StoreWriter;
  topics: TopicNames;
  metrics?: SinkMetrics;
}

type Decoded =
  | { kind: 'scored'; value: ScoredAlert }
  | { kind: 'incident'; value: Incident; topic: string }
  | { kind: 'label'; value: Label };

function ack(): RecordOutcome {
  return { kind: 'ACK', outputs: [] };
}

type DeadLetter = Extract<RecordOutcome, { kind: 'DEAD_LETTER' }>;

function deadLetter(rejected: Pick<Rejected, 'code' | 'message'>): DeadLetter {
  return { kind: 'DEAD_LETTER', code: rejected.code, message: rejected.message };
}

function addTo(batch: SinkBatch, decoded: Decoded): void {
  if (decoded.kind === 'scored') batch.scoredAlerts.push(decoded.value);
  else if (decoded.kind === 'incident') batch.incidents.push({ incident: decoded.value, topic: decoded.topic });
  else batch.labels.push(decoded.value);
}

/**
 * The sink's batch handler: decode each record by its topic, write the whole
 * batch to PostgreSQL in one transaction, then ACK with no outputs, so the
 * consume loop commits the offsets only after the rows are committed.
 *
 * - A record that does not decode is a DEAD_LETTER; the others are written.
 * - PostgreSQL unreachable: the retriable VIGIL_DATABASE_UNAVAILABLE is thrown
 *   and the loop retries the batch (idempotent, nothing was committed).
 * - PostgreSQL refusing the data of some record: the batch is written again
 *   record by record, and only the records it refuses are dead-lettered
 *   (VIGIL_SINK_REJECTED_ROW), so one bad record cannot block a partition.
 */
export class SinkHandler implements BatchHandler {
  private readonly roles: ReadonlyMap<string, SinkRole>;

  constructor(private readonly deps: SinkDependencies) {
    this.roles = topicRoles(deps.topics);
  }

  /** The topics the sink consumes. */
  get topics(): string[] {
    return [...this.roles.keys()];
  }

  async process(records: SourceRecord[]): Promise<RecordOutcome[]> {
    const outcomes: RecordOutcome[] = new Array(records.length);
    const decoded: { index: number; value: Decoded }[] = [];
    for (let index = 0; index < records.length; index++) {
      const result = await this.decode(records[index] as SourceRecord);
      if (result.kind === 'DEAD_LETTER') outcomes[index] = result;
      else decoded.push({ index, value: result });
    }

    const batch = emptyBatch();
    for (const { value } of decoded) addTo(batch, value);
    try {
      await this.deps.writer.write(batch);
      for (const { index } of decoded) outcomes[index] = ack();
    } catch (error) {
      if (!isVigilError(error, 'VIGIL_SINK_REJECTED_ROW')) throw error;
      this.deps.metrics?.recordFallbacks.inc();
      for (const { index, value } of decoded) outcomes[index] = await this.writeOne(value);
    }
    return outcomes;
  }

  private async writeOne(value: Decoded): Promise<RecordOutcome> {
    const single = emptyBatch();
    addTo(single, value);
    try {
      await this.deps.writer.write(single);
      return ack();
    } catch (error) {
      if (isVigilError(error, 'VIGIL_SINK_REJECTED_ROW')) return deadLetter(error);
      throw error;
    }
  }

  /** The record decoded and checked, or the outcome that dead-letters it; an unreachable registry throws. */
  private async decode(record: SourceRecord): Promise<Decoded | DeadLetter> {
    const role = this.roles.get(record.topic);
    const value = record.message.value;
    if (role === undefined) {
      return deadLetter({ code: 'VIGIL_SINK_INVALID_RECORD', message: `the sink does not read ${record.topic}` });
    }
    if (value === null || value.length === 0) {
      return deadLetter({ code: 'VIGIL_SINK_INVALID_RECORD', message: 'empty record' });
    }
    if (role === SINK_ROLES.scored) {
      const scored = await decodeOrReject(this.deps.codec, value, 'vigil.ScoredAlert');
      if (!scored.ok) return scored.deadLetter;
      const problem = checkScoredAlert(scored.value);
      return problem ? deadLetter(problem) : { kind: 'scored', value: scored.value };
    }
    if (role === SINK_ROLES.incident) {
      const incident = await decodeOrReject(this.deps.codec, value, 'vigil.Incident');
      if (!incident.ok) return incident.deadLetter;
      const problem = checkIncident(incident.value);
      return problem ? deadLetter(problem) : { kind: 'incident', value: incident.value, topic: record.topic };
    }
    if (!isAvroWire(value)) {
      const parsed = parseLabelJson(value);
      return parsed.ok ? { kind: 'label', value: parsed.label } : deadLetter(parsed);
    }
    const label = await decodeOrReject(this.deps.codec, value, 'vigil.Label');
    if (!label.ok) return label.deadLetter;
    const problem = checkLabel(label.value);
    return problem ? deadLetter(problem) : { kind: 'label', value: label.value };
  }
}
