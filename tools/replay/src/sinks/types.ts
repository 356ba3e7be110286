import type { LabelledRecord } from '../types.ts';

/** Where a replay sends records. */
export interface RecordSink {
  /** What the final count line names, e.g. `telemetry.raw (json)`. */
  readonly description: string;
  /** Resolves when the batch is durable (acknowledged by Kafka, or written). */
  write(batch: readonly LabelledRecord[]): Promise<void>;
  /** Flushes and releases what the sink itself opened; connections passed in stay open. */
  close(): Promise<void>;
}
