import type { Message, Producer, TopicMessages } from 'kafkajs';
import { buildDeadLetter } from './dead-letter.ts';
import { appendTo } from './lists.ts';
import type { RecordOutcome, SourceRecord } from './types.ts';

function sizeOf(message: Message): number {
  const key = message.key;
  const value = message.value;
  return (
    (key ? (typeof key === 'string' ? Buffer.byteLength(key) : key.length) : 0) +
    (value ? (typeof value === 'string' ? Buffer.byteLength(value) : value.length) : 0) +
    64
  );
}

/** Cuts topic messages into requests of at most `maxBytes` each (a single larger message goes alone). */
export function splitBySize(topicMessages: TopicMessages[], maxBytes: number): TopicMessages[][] {
  const requests: TopicMessages[][] = [];
  let current = new Map<string, Message[]>();
  let bytes = 0;
  const flush = () => {
    if (current.size > 0) requests.push([...current].map(([topic, messages]) => ({ topic, messages })));
    current = new Map();
    bytes = 0;
  };
  for (const { topic, messages } of topicMessages) {
    for (const message of messages) {
      const size = sizeOf(message);
      if (bytes > 0 && bytes + size > maxBytes) flush();
      appendTo(current, topic, message);
      bytes += size;
    }
  }
  flush();
  return requests;
}

/** A chunk's outputs and dead letters (`stage` in their header), per topic, in record order. */
export function chunkMessages(records: SourceRecord[], outcomes: RecordOutcome[], stage: string): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  const failedAt = new Date();
  for (let i = 0; i < outcomes.length; i++) {
    const outcome = outcomes[i] as RecordOutcome;
    if (outcome.kind === 'ACK') {
      for (const output of outcome.outputs)
        appendTo(byTopic, output.topic, { key: output.key, value: output.value, headers: output.headers });
    } else {
      const record = records[i] as SourceRecord;
      const dead = buildDeadLetter({
        message: record.message,
        sourceTopic: record.topic,
        partition: record.partition,
        offset: record.offset,
        code: outcome.code,
        errorMessage: outcome.message,
        stage,
        failedAt,
      });
      appendTo(byTopic, dead.topic, dead.message);
    }
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

/** Sends the messages in requests under `maxRequestBytes`, one after another, each acknowledged by every replica. */
export async function publish(
  producer: Producer,
  topicMessages: TopicMessages[],
  maxRequestBytes: number,
): Promise<void> {
  for (const request of splitBySize(topicMessages, maxRequestBytes)) {
    await producer.sendBatch({ topicMessages: request, acks: -1 });
  }
}
