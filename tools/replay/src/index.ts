/**
 * @vigil/replay: dataset readers, the telemetry generator and the replay loop,
 * for tools and tests that stream telemetry without the CLI (`main.ts`).
 */
export { avroEncoder, type Encoder, encodeJson, FORMATS, type Format, toJsonInput } from './encoding.ts';
export {
  type AnomalyInterval,
  CLEAN_SHARE,
  createGenerator,
  GENERATOR_SOURCE,
  type GeneratedEntity,
  type Generation,
  type GeneratorOptions,
  PROFILES,
  type Profile,
} from './generator.ts';
export { entityMatcher, globToRegExp } from './glob.ts';
export {
  type FileInputOptions,
  type GeneratedInput,
  ORDERS,
  type Order,
  openFileInput,
  openGeneratedInput,
  type ReplayInput,
} from './inputs.ts';
export { TokenBucket } from './rate-limiter.ts';
export { type DelimitedFile, openDelimited, type ReadOptions, readDelimited } from './readers/delimited.ts';
export { type Dialect, SOURCES } from './readers/dialects.ts';
export { entityOf, type InputFile, listInputFiles } from './readers/files.ts';
export { parseTimestamp } from './readers/timestamps.ts';
export { type Clock, type ReplayOptions, type ReplaySummary, runReplay } from './replay.ts';
export { CsvDirSink } from './sinks/csv-dir-sink.ts';
export { JsonlSink } from './sinks/jsonl-sink.ts';
export { COMPRESSIONS, type Compression, KafkaSink, type KafkaSinkOptions } from './sinks/kafka-sink.ts';
export { type LabelLine, LabelsSink, toLabelLine } from './sinks/labels-sink.ts';
export { LineWriter } from './sinks/line-writer.ts';
export type { RecordSink } from './sinks/types.ts';
export { type RetimeOptions, retimer, TIME_SHIFTS, type TimeShift } from './timeline.ts';
export {
  ANOMALY_KINDS,
  type AnomalyKind,
  type EntitySummary,
  type GroundTruth,
  type LabelledRecord,
  type TelemetryInput,
} from './types.ts';
