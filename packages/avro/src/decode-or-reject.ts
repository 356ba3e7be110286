import type { RecordBySchema, SchemaName } from '@vigil/contracts';
import { type ErrorCode, isRetriable, VigilError } from '@vigil/errors';
import type { AvroCodec, DecodedRecord, Projection } from './codec.ts';

/**
 * The outcome that dead-letters a record that does not decode. It has the
 * shape of @vigil/kafka's DEAD_LETTER `RecordOutcome`, so a handler returns it
 * as it is; declared here because @vigil/kafka does not depend on @vigil/avro
 * and this package should not depend on the consume loop either.
 */
export interface DecodeDeadLetter {
  kind: 'DEAD_LETTER';
  code: ErrorCode;
  message: string;
}

/**
 * A decoded record, or why it cannot be: a wrapper rather than `T | outcome`
 * because ingest decodes with whatever writer schema a record names, so no
 * field of the value can tell the two apart.
 */
export type DecodeResult<T> = { ok: true; value: T } | { ok: false; deadLetter: DecodeDeadLetter };

function rejected(error: VigilError): { ok: false; deadLetter: DecodeDeadLetter } {
  return { ok: false, deadLetter: { kind: 'DEAD_LETTER', code: error.code, message: error.message } };
}

function empty(): { ok: false; deadLetter: DecodeDeadLetter } {
  return rejected(new VigilError('VIGIL_AVRO_MALFORMED', 'empty record'));
}

/** A per-record decoding error as a rejection; anything else is thrown (see `decodeOrReject`). */
function rejectedOrThrown(error: unknown): { ok: false; deadLetter: DecodeDeadLetter } {
  if (isRetriable(error) || !(error instanceof VigilError)) throw error;
  return rejected(error);
}

function accepted<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

/**
 * Every stage's decode step: the record decoded, or the DEAD_LETTER outcome
 * with the codec's code (VIGIL_AVRO_MALFORMED, VIGIL_AVRO_BAD_MAGIC_BYTE,
 * VIGIL_AVRO_UNKNOWN_SCHEMA) and reason. A null or empty value is
 * VIGIL_AVRO_MALFORMED. Everything else is thrown, because the record is not
 * at fault: a retriable error (VIGIL_REGISTRY_UNAVAILABLE) for the consume loop
 * to retry the chunk, an error that is not a VigilError (a bug) for it to stop.
 *
 * - No `reader`: decoded with the record's writer schema (`AvroCodec.decode`),
 *   synchronously when that schema is already known, so a stage reading many
 *   small records does not make a promise per record.
 * - A local schema name: `AvroCodec.decodeAs`.
 * - A projection: `AvroCodec.decodeProjected`, typed by the caller.
 */
export function decodeOrReject(
  codec: AvroCodec,
  value: Buffer | null,
): DecodeResult<DecodedRecord> | Promise<DecodeResult<DecodedRecord>>;
export function decodeOrReject<N extends SchemaName>(
  codec: AvroCodec,
  value: Buffer | null,
  reader: N,
): Promise<DecodeResult<RecordBySchema[N]>>;
export function decodeOrReject<T>(codec: AvroCodec, value: Buffer | null, reader: Projection): Promise<DecodeResult<T>>;
export function decodeOrReject(
  codec: AvroCodec,
  value: Buffer | null,
  reader?: SchemaName | Projection,
): DecodeResult<unknown> | Promise<DecodeResult<unknown>> {
  if (reader !== undefined) {
    if (value === null || value.length === 0) return Promise.resolve(empty());
    const decoding = typeof reader === 'string' ? codec.decodeAs(value, reader) : codec.decodeProjected(value, reader);
    return decoding.then(accepted, rejectedOrThrown);
  }
  if (value === null || value.length === 0) return empty();
  let known: DecodedRecord | undefined;
  try {
    known = codec.decodeKnown(value);
  } catch (error) {
    return rejectedOrThrown(error);
  }
  return known ? accepted(known) : codec.decode(value).then(accepted, rejectedOrThrown);
}
