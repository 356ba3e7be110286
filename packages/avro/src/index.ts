export { AvroCodec, type AvroCodecOptions, type CompatibilityResult, type DecodedRecord } from './codec.ts';
export { HEADER_LENGTH, MAGIC_BYTE, readWireHeader, writeWire, writeWireHeader } from './wire.ts';
