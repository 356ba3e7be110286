export {
  AvroCodec,
  type AvroCodecOptions,
  type CompatibilityResult,
  type DecodedRecord,
  type Projection,
} from './codec.ts';
export { type DecodeDeadLetter, type DecodeResult, decodeOrReject } from './decode-or-reject.ts';
export { omitFields } from './projection.ts';
export { HEADER_LENGTH, MAGIC_BYTE, readWireHeader, writeWire, writeWireHeader } from './wire.ts';
