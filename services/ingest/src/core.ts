import type { Alert, InputFormat, Telemetry } from '@vigil/contracts';
import type { ErrorCode } from '@vigil/errors';

/** `auto` tells JSON from Avro by the first byte; the others force one format. */
export const INPUT_FORMAT_SETTINGS = ['auto', 'json', 'avro'] as const;
export type InputFormatSetting = (typeof INPUT_FORMAT_SETTINGS)[number];

export type Rejected = { ok: false; code: ErrorCode; message: string };

const OPEN_BRACE = 0x7b;
const JSON_WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * Which decoder a record needs. A JSON record starts with `{` (after optional
 * white space); a Confluent Avro record starts with the magic byte 0. Any other
 * control byte is taken as an Avro record with a wrong magic byte, anything
 * else as (malformed) JSON, so each gets the error code a producer can act on.
 */
export function sniffFormat(value: Buffer, setting: InputFormatSetting): InputFormat | Rejected {
  if (value.length === 0) return { ok: false, code: 'VIGIL_INGEST_MALFORMED_JSON', message: 'empty record' };
  if (setting === 'json') return 'JSON';
  if (setting === 'avro') return 'AVRO';
  let i = 0;
  while (i < value.length && JSON_WHITESPACE.has(value[i] as number)) i++;
  const first = value[i] as number;
  if (first === OPEN_BRACE) return 'JSON';
  if (i === 0 && first < 0x20) return 'AVRO';
  return 'JSON';
}

export function parseJson(value: Buffer): { ok: true; value: unknown } | Rejected {
  try {
    return { ok: true, value: JSON.parse(value.toString('utf8')) };
  } catch (error) {
    return { ok: false, code: 'VIGIL_INGEST_MALFORMED_JSON', message: (error as Error).message };
  }
}

export function toAlert(telemetry: Telemetry & { id: string }, origin: Alert['origin'], ingestedAt: number): Alert {
  return {
    id: telemetry.id,
    source: telemetry.source,
    entity: telemetry.entity,
    ts: telemetry.ts,
    ingestedAt,
    values: telemetry.values,
    attrs: telemetry.attrs,
    features: {},
    origin,
  };
}

/** Where a record was read: the value a dedup mark holds, so a replay of the same offset is told from a true duplicate. */
export function coordinates(topic: string, partition: number, offset: string): string {
  return `${topic}/${partition}/${offset}`;
}

export const DUPLICATE_CHECK = {
  /** First time this id is seen: publish it. */
  new: 'new',
  /** This very offset was published before a crash: acknowledge without publishing again. */
  replay: 'replay',
  /** Another record already carried this id: dead-letter. */
  duplicate: 'duplicate',
} as const;
export type DuplicateCheck = (typeof DUPLICATE_CHECK)[keyof typeof DUPLICATE_CHECK];

/**
 * Classifies the valid records of a batch against the marks found in Redis
 * (`marks[i]` is the mark of `ids[i]`, or null) and against each other: the
 * second record with an id inside one batch is a duplicate too.
 */
export function checkDuplicates(
  ids: readonly string[],
  coords: readonly string[],
  marks: readonly (string | null)[],
): DuplicateCheck[] {
  const seen = new Set<string>();
  return ids.map((id, i) => {
    const mark = marks[i] ?? null;
    if (seen.has(id)) return DUPLICATE_CHECK.duplicate;
    seen.add(id);
    if (mark === null) return DUPLICATE_CHECK.new;
    return mark === coords[i] ? DUPLICATE_CHECK.replay : DUPLICATE_CHECK.duplicate;
  });
}
