import { type DecodedRecord, HEADER_LENGTH, MAGIC_BYTE } from '@vigil/avro';

/** How a record's value was read, best first: Avro, JSON, text, hex. */
export type DecodedValue =
  | { encoding: 'null' }
  | { encoding: 'avro'; schemaId: number; value: unknown }
  | { encoding: 'json'; value: unknown }
  | { encoding: 'text'; text: string }
  | { encoding: 'hex'; hex: string; bytes: number; note?: string };

/** Decodes a Confluent-framed Avro value (magic byte, schema id, body), e.g. `AvroCodec.decode`. */
export type AvroDecode = (value: Buffer) => Promise<DecodedRecord>;

/** Longest hex dump printed: enough to recognise a format, short enough for a terminal. */
const MAX_HEX_BYTES = 256;
const utf8 = new TextDecoder('utf-8', { fatal: true });
// Text that a person wrote: no control characters other than tab, newline and carriage return.
const CONTROL = /[^\P{Cc}\t\n\r]/u;

function describe(error: unknown): string {
  const code = error && typeof error === 'object' && 'code' in error ? `${String(error.code)}: ` : '';
  return `${code}${error instanceof Error ? error.message : String(error)}`;
}

function hex(value: Buffer, note?: string): DecodedValue {
  const shown = value.subarray(0, MAX_HEX_BYTES).toString('hex');
  return {
    encoding: 'hex',
    hex: value.length > MAX_HEX_BYTES ? `${shown}…` : shown,
    bytes: value.length,
    ...(note === undefined ? {} : { note }),
  };
}

/**
 * Reads a record value the way Vigil's topics carry them: Confluent-framed
 * Avro when it starts with the magic byte and `avro` can decode it, else JSON,
 * else UTF-8 text, else a hex dump. A framed value that does not decode (an
 * id the registry does not know, a body that does not match, no registry)
 * becomes hex with a note saying why, never an error: a tail must show every record.
 */
export async function decodeValue(value: Buffer | null, avro: AvroDecode | undefined): Promise<DecodedValue> {
  if (value === null) return { encoding: 'null' };
  let note: string | undefined;
  if (value.length >= HEADER_LENGTH && value[0] === MAGIC_BYTE) {
    if (avro) {
      try {
        const { schemaId, value: decoded } = await avro(value);
        return { encoding: 'avro', schemaId, value: decoded };
      } catch (error) {
        note = `not decodable as Avro: ${describe(error)}`;
      }
    } else {
      note = 'framed like Avro, but no schema registry to decode it';
    }
  }
  let text: string;
  try {
    text = utf8.decode(value);
  } catch {
    return hex(value, note);
  }
  if (CONTROL.test(text)) return hex(value, note);
  try {
    return { encoding: 'json', value: JSON.parse(text) };
  } catch {
    return { encoding: 'text', text };
  }
}

/** `JSON.stringify` for decoded values: bytes as base64, longs read as bigint as decimal strings. */
export function toJson(value: unknown, space?: number): string {
  return JSON.stringify(
    value,
    function replace(this: Record<string, unknown>, key: string, item: unknown) {
      const raw = this[key];
      if (Buffer.isBuffer(raw)) return raw.toString('base64');
      return typeof item === 'bigint' ? item.toString() : item;
    },
    space,
  );
}
