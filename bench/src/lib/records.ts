import type { AvroCodec } from '@vigil/avro';
import type { Telemetry } from '@vigil/contracts';
import { mulberry32 } from '@vigil/random';

/** A message as the preloader sends it: keyed by entity, like every producer of telemetry.raw. */
export interface BenchMessage {
  key: string;
  value: Buffer;
}

export interface TelemetryOptions {
  /** Prefix of every id, so that runs never share an id (ingest would dead-letter a repeat as a duplicate). */
  idPrefix: string;
  /** Distinct entities, spread over the partitions by key. Default 1,000. */
  entities?: number;
  /** Event time of the last record; earlier ones go back one second each. Default now. */
  now?: number;
  /** Seed of the value generator, so the same options give the same records. Default 1. */
  seed?: number;
}

const SIGNALS = ['cpu_user', 'cpu_system', 'mem_used', 'disk_read', 'disk_write', 'net_in', 'net_out'];
const SITES = ['eu-west-1a', 'eu-west-1b', 'us-east-2a', 'ap-south-1c'];

/**
 * `count` telemetry records in the brief's input shape, about 300 bytes each
 * as JSON: an explicit id, seven signals with two decimals, two attributes.
 */
export function telemetryRecords(count: number, options: TelemetryOptions): Telemetry[] {
  const entities = options.entities ?? 1_000;
  const end = options.now ?? Date.now();
  const next = mulberry32(options.seed ?? 1);
  const records: Telemetry[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const host = i % entities;
    const values: Record<string, number> = {};
    for (const signal of SIGNALS) values[signal] = Math.round(next() * 1_000_000) / 100;
    records[i] = {
      id: `${options.idPrefix}-${String(i).padStart(8, '0')}`,
      source: 'node-exporter',
      entity: `host-${String(host).padStart(5, '0')}`,
      ts: end - (count - i) * 1_000,
      values,
      attrs: { site: SITES[host % SITES.length] as string, rack: `r${host % 40}` },
    };
  }
  return records;
}

/** The records as JSON messages, `ts` written as an RFC 3339 string (the form most producers send). */
export function jsonMessages(records: readonly Telemetry[]): BenchMessage[] {
  return records.map((record) => ({
    key: record.entity,
    value: Buffer.from(JSON.stringify({ ...record, ts: new Date(record.ts).toISOString() })),
  }));
}

/** The records as Confluent wire-format Avro `vigil.Telemetry`, registered under `topic`'s value subject. */
export async function avroMessages(
  codec: AvroCodec,
  topic: string,
  records: readonly Telemetry[],
): Promise<BenchMessage[]> {
  await codec.registerTopic(topic, 'vigil.Telemetry');
  return records.map((record) => ({ key: record.entity, value: codec.encode<'vigil.Telemetry'>(topic, record) }));
}

/** Mean value size in bytes. */
export function meanBytes(messages: readonly BenchMessage[]): number {
  if (messages.length === 0) return 0;
  let total = 0;
  for (const message of messages) total += message.value.length;
  return total / messages.length;
}
