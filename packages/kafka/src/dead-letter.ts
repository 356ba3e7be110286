import { DLQ_HEADERS, dlqTopic } from '@vigil/contracts';
import type { ErrorCode } from '@vigil/errors';
import type { IHeaders, KafkaMessage, Message } from 'kafkajs';

export interface DeadLetterInput {
  /** The record as it was read: its key, value and headers are copied untouched. */
  message: Pick<KafkaMessage, 'key' | 'value' | 'headers'>;
  sourceTopic: string;
  partition: number;
  offset: string;
  code: ErrorCode;
  errorMessage: string;
  /** Which service dead-lettered it (ingest, enrichment, ...). */
  stage: string;
  failedAt: Date;
}

/** Longest error message put in a header: enough to act on, bounded so one bad record cannot bloat the DLQ. */
const MAX_MESSAGE_LENGTH = 1_000;

/** The DLQ message for a record: original bytes and headers plus the brief's error headers. */
export function buildDeadLetter(input: DeadLetterInput): { topic: string; message: Message } {
  const headers: IHeaders = { ...(input.message.headers ?? {}) };
  headers[DLQ_HEADERS.code] = input.code;
  headers[DLQ_HEADERS.message] = input.errorMessage.slice(0, MAX_MESSAGE_LENGTH);
  headers[DLQ_HEADERS.stage] = input.stage;
  headers[DLQ_HEADERS.sourceTopic] = input.sourceTopic;
  headers[DLQ_HEADERS.sourcePartition] = String(input.partition);
  headers[DLQ_HEADERS.sourceOffset] = input.offset;
  headers[DLQ_HEADERS.failedAt] = input.failedAt.toISOString();
  return {
    topic: dlqTopic(input.sourceTopic),
    message: { key: input.message.key, value: input.message.value, headers },
  };
}
