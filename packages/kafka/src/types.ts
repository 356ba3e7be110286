import type { ErrorCode } from '@vigil/errors';
import type { KafkaMessage } from 'kafkajs';

/** One record as the consume loop hands it to a handler. */
export interface SourceRecord {
  topic: string;
  partition: number;
  offset: string;
  message: KafkaMessage;
}

export interface OutputMessage {
  topic: string;
  key: Buffer | string | null;
  value: Buffer;
  headers?: Record<string, string>;
}

/** What became of one record: published (ACK, possibly with no output) or dead-lettered. */
export type RecordOutcome =
  | { kind: 'ACK'; outputs: OutputMessage[] }
  | { kind: 'DEAD_LETTER'; code: ErrorCode; message: string };

/**
 * A stage's processing. `process` returns one outcome per record, in order;
 * it throws a retriable VigilError when a dependency is down, and the loop
 * retries the whole chunk with nothing published or committed. `afterPublish`
 * runs once Kafka acknowledged the chunk's outputs and dead letters, before the
 * offset commit, with the same `records` array that `process` received.
 */
export interface BatchHandler {
  process(records: SourceRecord[]): Promise<RecordOutcome[]>;
  afterPublish?(records: SourceRecord[], outcomes: RecordOutcome[]): Promise<void>;
}

export interface ConsumerStatus {
  ready: boolean;
  checks: Record<string, string>;
}
