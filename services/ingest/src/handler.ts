import { type AvroCodec, type DecodedRecord, type DecodeResult, decodeOrReject } from '@vigil/avro';
import type { InputFormat, TopicNames } from '@vigil/contracts';
import { type DedupMark, PendingMarks, type RedisDedupStore } from '@vigil/dedup';
import type { BatchHandler, OutputMessage, RecordOutcome, SourceRecord } from '@vigil/kafka';
import {
  checkDuplicates,
  coordinates,
  DUPLICATE_CHECK,
  type InputFormatSetting,
  parseJson,
  type Rejected,
  sniffFormat,
  toAlert,
} from './core.ts';
import type { IngestMetrics } from './metrics.ts';
import { type ValidationPolicy, validateTelemetry } from './validate.ts';

export interface IngestSettings {
  inputFormat: InputFormatSetting;
  maxRecordBytes: number;
  maxAgeMs: number;
  maxFutureMs: number;
  maxSignals: number;
  maxTextLength: number;
}

export interface IngestDependencies {
  codec: AvroCodec;
  dedup: RedisDedupStore;
  topics: TopicNames;
  metrics: IngestMetrics;
  now?: () => number;
}

/** A valid record, already encoded: the decoded objects die young instead of surviving the whole chunk. */
type Accepted = { index: number; id: string; entity: string; coordinates: string; value: Buffer };
type Checked = (Extract<ReturnType<typeof validateTelemetry>, { ok: true }> & { format: InputFormat }) | Rejected;

function validated(decoded: unknown, policy: ValidationPolicy, format: InputFormat): Checked {
  const validation = validateTelemetry(decoded, policy);
  if (!validation.ok) return validation;
  // A literal, not `{ ...validation, format }`: the spread cost more than the validation per record.
  return { ok: true, telemetry: validation.telemetry, droppedNulls: validation.droppedNulls, format };
}

function validatedAvro(decoded: DecodeResult<DecodedRecord>, policy: ValidationPolicy): Checked {
  if (!decoded.ok) return { ok: false, code: decoded.deadLetter.code, message: decoded.deadLetter.message };
  return validated(decoded.value.value, policy, 'AVRO');
}

function deadLetter(rejected: Rejected): RecordOutcome {
  return { kind: 'DEAD_LETTER', code: rejected.code, message: rejected.message };
}

/**
 * Ingest's batch handler: decode → validate → dedup → `vigil.Alert` on
 * alerts.ingested. Per-record problems become DEAD_LETTER outcomes; an
 * unreachable registry or Redis throws a retriable error so the consume loop
 * retries the whole batch and no good record reaches the DLQ.
 */
export class IngestHandler implements BatchHandler {
  private readonly now: () => number;
  private readonly pendingMarks: PendingMarks;

  constructor(
    private readonly settings: IngestSettings,
    private readonly deps: IngestDependencies,
  ) {
    this.now = deps.now ?? Date.now;
    this.pendingMarks = new PendingMarks(deps.dedup);
  }

  async process(records: SourceRecord[]): Promise<RecordOutcome[]> {
    const now = this.now();
    const policy: ValidationPolicy = {
      now,
      maxAgeMs: this.settings.maxAgeMs,
      maxFutureMs: this.settings.maxFutureMs,
      maxSignals: this.settings.maxSignals,
      maxTextLength: this.settings.maxTextLength,
    };
    const output = this.deps.topics.alertsIngested;
    const outcomes: RecordOutcome[] = new Array(records.length);
    const accepted: Accepted[] = [];
    // Counted per chunk: a labelled counter's inc per record is measurable at 20,000+ records/s.
    let json = 0;
    let droppedNulls = 0;

    for (let index = 0; index < records.length; index++) {
      const record = records[index] as SourceRecord;
      const checked = this.decodeAndValidate(record, policy);
      const result = checked instanceof Promise ? await checked : checked;
      if (!result.ok) {
        outcomes[index] = deadLetter(result);
        continue;
      }
      const format = result.format;
      if (format === 'JSON') json++;
      droppedNulls += result.droppedNulls;
      const origin = { topic: record.topic, partition: record.partition, offset: record.offset, format };
      const alert = toAlert(result.telemetry, origin, now);
      // Encoded here rather than after the dedup lookup: holding thousands of decoded alerts across
      // the chunk made every young-generation GC copy them, which cost more than the encoding does.
      accepted.push({
        index,
        id: alert.id,
        entity: alert.entity,
        coordinates: coordinates(record.topic, record.partition, record.offset),
        value: this.deps.codec.encode<'vigil.Alert'>(output, alert),
      });
    }
    if (json > 0) this.deps.metrics.recordsByFormat.inc({ format: 'JSON' }, json);
    if (accepted.length > json) this.deps.metrics.recordsByFormat.inc({ format: 'AVRO' }, accepted.length - json);
    if (droppedNulls > 0) this.deps.metrics.nullValuesDropped.inc(droppedNulls);

    const ids = accepted.map((a) => a.id);
    const coords = accepted.map((a) => a.coordinates);
    const checks = checkDuplicates(ids, coords, await this.deps.dedup.lookup(ids));
    const marks: DedupMark[] = [];
    for (let i = 0; i < accepted.length; i++) {
      const { index, id, entity, coordinates: where, value } = accepted[i] as Accepted;
      const check = checks[i];
      if (check === DUPLICATE_CHECK.duplicate) {
        this.deps.metrics.duplicates.inc();
        outcomes[index] = {
          kind: 'DEAD_LETTER',
          code: 'VIGIL_INGEST_DUPLICATE',
          message: `id ${id} was already ingested`,
        };
      } else if (check === DUPLICATE_CHECK.replay) {
        this.deps.metrics.replayed.inc();
        outcomes[index] = { kind: 'ACK', outputs: [] };
      } else {
        const message: OutputMessage = { topic: output, key: entity, value };
        outcomes[index] = { kind: 'ACK', outputs: [message] };
        marks.push({ id, coordinates: where });
      }
    }
    this.pendingMarks.hold(records, marks);
    return outcomes;
  }

  /** Marks the published ids only once Kafka acknowledged them, so a crash in between re-publishes rather than loses. */
  async afterPublish(records: SourceRecord[]): Promise<void> {
    await this.pendingMarks.write(records);
  }

  /** Synchronous (no promise per record) unless an Avro record's writer schema has to come from the registry. */
  private decodeAndValidate(record: SourceRecord, policy: ValidationPolicy): Checked | Promise<Checked> {
    const value = record.message.value;
    if (value === null || value.length === 0)
      return { ok: false, code: 'VIGIL_INGEST_MALFORMED_JSON', message: 'empty record' };
    if (value.length > this.settings.maxRecordBytes) {
      return {
        ok: false,
        code: 'VIGIL_INGEST_OVERSIZED',
        message: `record of ${value.length} bytes exceeds ${this.settings.maxRecordBytes}`,
      };
    }
    const format = sniffFormat(value, this.settings.inputFormat);
    if (typeof format === 'object') return format;
    if (format === 'JSON') {
      const parsed = parseJson(value);
      return parsed.ok ? validated(parsed.value, policy, format) : parsed;
    }
    // Only a record whose writer schema is not known yet waits for the registry.
    const decoded = decodeOrReject(this.deps.codec, value);
    if (decoded instanceof Promise) return decoded.then((result) => validatedAvro(result, policy));
    return validatedAvro(decoded, policy);
  }
}
