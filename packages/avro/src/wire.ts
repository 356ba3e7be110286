import { VigilError } from '@vigil/errors';

/** Confluent wire format: magic byte 0, 4-byte big-endian schema id, Avro binary body. */
export const MAGIC_BYTE = 0;
export const HEADER_LENGTH = 5;

export function readWireHeader(buffer: Buffer): { schemaId: number; body: Buffer } {
  if (buffer.length < HEADER_LENGTH) {
    throw new VigilError('VIGIL_AVRO_MALFORMED', `record of ${buffer.length} bytes is shorter than the 5-byte header`);
  }
  if (buffer[0] !== MAGIC_BYTE) {
    throw new VigilError('VIGIL_AVRO_BAD_MAGIC_BYTE', `first byte is ${buffer[0]}, expected magic byte 0`);
  }
  return { schemaId: buffer.readUInt32BE(1), body: buffer.subarray(HEADER_LENGTH) };
}

export function writeWire(schemaId: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(HEADER_LENGTH + body.length);
  writeWireHeader(out, schemaId);
  body.copy(out, HEADER_LENGTH);
  return out;
}

/** Writes the 5-byte header at the start of `out`. */
export function writeWireHeader(out: Buffer, schemaId: number): void {
  out[0] = MAGIC_BYTE;
  out.writeUInt32BE(schemaId, 1);
}
