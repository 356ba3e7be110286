import { VigilError } from '@vigil/errors';
import { CompressionTypes, type Producer } from 'kafkajs';
import type { Encoder } from '../encoding.ts';
import type { LabelledRecord } from '../types.ts';
import type { RecordSink } from './types.ts';

export const COMPRESSIONS = ['none', 'gzip'] as const;
export type Compression = (typeof COMPRESSIONS)[number];

export interface KafkaSinkOptions {
  topic: string;
  encode: Encoder;
  /** Named in the final count line. */
  format: string;
  compression?: Compression;
  /** Largest request, so a batch of big records stays under the broker's message.max.bytes. Default 512 KiB. */
  maxRequestBytes?: number;
}

const DEFAULT_MAX_REQUEST_BYTES = 512 * 1024;
/** Record framing on top of key and value (a rough upper bound without headers). */
const MESSAGE_OVERHEAD_BYTES = 32;
type Message = { key: string; value: Buffer };

/**
 * Sends each batch with `sendBatch` (split into requests of at most
 * `maxRequestBytes`), keyed by entity, acks from all
 * in-sync replicas. The producer is passed in (idempotent, connected) and
 * stays open: its owner disconnects it.
 */
export class KafkaSink implements RecordSink {
  readonly description: string;
  private readonly producer: Producer;
  private readonly options: KafkaSinkOptions;

  constructor(producer: Producer, options: KafkaSinkOptions) {
    this.producer = producer;
    this.options = options;
    this.description = `${options.topic} (${options.format})`;
  }

  async write(batch: readonly LabelledRecord[]): Promise<void> {
    const { encode } = this.options;
    const limit = this.options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
    let messages: Message[] = [];
    let bytes = 0;
    for (const { record } of batch) {
      const message = { key: record.entity, value: encode(record) };
      const size = message.value.length + message.key.length + MESSAGE_OVERHEAD_BYTES;
      if (messages.length > 0 && bytes + size > limit) {
        await this.send(messages);
        messages = [];
        bytes = 0;
      }
      messages.push(message);
      bytes += size;
    }
    if (messages.length > 0) await this.send(messages);
  }

  private async send(messages: Message[]): Promise<void> {
    const { topic } = this.options;
    try {
      await this.producer.sendBatch({
        topicMessages: [{ topic, messages }],
        acks: -1,
        compression: this.options.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
      });
    } catch (error) {
      const retriable = (error as { retriable?: unknown }).retriable === true;
      const name = (error as Error).name;
      if (retriable || name === 'KafkaJSNumberOfRetriesExceeded' || name === 'KafkaJSConnectionError') {
        throw new VigilError('VIGIL_KAFKA_UNAVAILABLE', `sending to ${topic} failed: ${(error as Error).message}`, {
          cause: error,
          topic,
        });
      }
      throw error;
    }
  }

  async close(): Promise<void> {}
}
