export { BatchConsumer, type BatchConsumerOptions } from './batch-consumer.ts';
export { createKafka, createProducer, ensureTopics, type KafkaClientOptions } from './client.ts';
export { buildDeadLetter, type DeadLetterInput } from './dead-letter.ts';
export { classifyFailure, type Failure, kafkaCall } from './failure.ts';
export { FETCH_WORKERS, type FetchGatherer, gatherFetches } from './gather.ts';
export { type ConsumerMetrics, createConsumerMetrics } from './metrics.ts';
export { splitBySize } from './publish.ts';
export type { BatchHandler, ConsumerStatus, OutputMessage, RecordOutcome, SourceRecord } from './types.ts';
