import type { AvroCodec } from '@vigil/avro';
import type { TelemetryInput } from './types.ts';

export const FORMATS = ['json', 'avro'] as const;
export type Format = (typeof FORMATS)[number];

export type Encoder = (record: TelemetryInput) => Buffer;

/** The brief's JSON input shape, with `ts` as RFC 3339 (UTC, milliseconds). */
export function toJsonInput(record: TelemetryInput): string {
  return JSON.stringify({
    id: record.id,
    source: record.source,
    entity: record.entity,
    ts: new Date(record.ts).toISOString(),
    values: record.values,
    attrs: record.attrs,
  });
}

export const encodeJson: Encoder = (record) => Buffer.from(toJsonInput(record), 'utf8');

/** Confluent wire-format Avro; `codec.registerTopic(topic, 'vigil.Telemetry')` must have run. */
export function avroEncoder(codec: AvroCodec, topic: string): Encoder {
  return (record) => codec.encode<'vigil.Telemetry'>(topic, record);
}
