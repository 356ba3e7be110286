/**
 * Does kafkajs work with the broker version of the local stack (Kafka 4.x,
 * which removed old protocol versions, KIP-896)? Checks the features Vigil
 * relies on against the real broker: consumer groups sharing partitions,
 * commit and resume, the idempotent producer, and transactions (commit,
 * abort, offsets sent in a transaction).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { waitFor } from '@vigil/test-kit';
import { type Admin, type Consumer, type EachMessagePayload, Kafka, logLevel } from 'kafkajs';

const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const PARTITIONS = 4;

const kafka = new Kafka({ clientId: 'vigil-kafka-compat', brokers: BROKERS, logLevel: logLevel.NOTHING });
const admin: Admin = kafka.admin();
const createdTopics: string[] = [];
const openConsumers: Consumer[] = [];

async function freshTopic(label: string): Promise<string> {
  const topic = `test.compat.${label}.${randomUUID()}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  createdTopics.push(topic);
  return topic;
}

/** The kit's waitFor for a yes-or-no condition. */
async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  await waitFor(what, async () => ((await check()) ? true : undefined));
}

interface Received {
  partition: number;
  value: string;
}

/** A started consumer that records what it receives. */
async function collect(
  groupId: string,
  topic: string,
  options: { readUncommitted?: boolean; autoCommit?: boolean } = {},
): Promise<{ consumer: Consumer; received: Received[]; assigned: () => number[] }> {
  const consumer = kafka.consumer({ groupId, readUncommitted: options.readUncommitted ?? false });
  openConsumers.push(consumer);
  let assignment: number[] = [];
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    assignment = [...(payload.memberAssignment[topic] ?? [])].sort((x, y) => x - y);
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const received: Received[] = [];
  await consumer.run({
    autoCommit: options.autoCommit ?? true,
    eachMessage: async ({ partition, message }: EachMessagePayload) => {
      received.push({ partition, value: message.value?.toString() ?? '' });
    },
  });
  return { consumer, received, assigned: () => assignment };
}

async function closeConsumer(consumer: Consumer): Promise<void> {
  await consumer.disconnect();
  openConsumers.splice(openConsumers.indexOf(consumer), 1);
}

function values(n: number, prefix: string): { key: string; value: string }[] {
  return Array.from({ length: n }, (_, i) => ({ key: `entity-${i % 7}`, value: `${prefix}-${i}` }));
}

before(async () => {
  await admin.connect();
});

after(async () => {
  await Promise.allSettled(openConsumers.map((c) => c.disconnect()));
  if (createdTopics.length > 0) await admin.deleteTopics({ topics: createdTopics });
  await admin.disconnect();
});

describe('kafkajs against the local broker', () => {
  test('the broker speaks a protocol kafkajs accepts and runs in KRaft mode', async () => {
    const cluster = await admin.describeCluster();
    assert.equal(cluster.brokers.length, 1);
    assert.ok(cluster.controller !== null && cluster.controller >= 0, 'a controller is elected');
  });

  test('two members of a group share the partitions and together read every record once', async () => {
    const topic = await freshTopic('group');
    const groupId = `test-group-${randomUUID()}`;
    const a = await collect(groupId, topic);
    const b = await collect(groupId, topic);
    // The first member holds every partition until the rebalance that B's
    // join causes reaches it; wait for the settled split.
    const split = () => [...a.assigned(), ...b.assigned()].sort((x, y) => x - y);
    await until(
      'a disjoint split of all partitions',
      () => a.assigned().length > 0 && b.assigned().length > 0 && split().join() === '0,1,2,3',
    );
    assert.equal(a.assigned().length + b.assigned().length, PARTITIONS);

    const producer = kafka.producer();
    await producer.connect();
    const sent = values(40, 'g');
    await producer.send({ topic, messages: sent });
    await producer.disconnect();

    await until('40 records', () => a.received.length + b.received.length === 40);
    for (const r of a.received) assert.ok(a.assigned().includes(r.partition), `a read partition ${r.partition}`);
    for (const r of b.received) assert.ok(b.assigned().includes(r.partition), `b read partition ${r.partition}`);
    const got = [...a.received, ...b.received].map((r) => r.value).sort();
    assert.deepEqual(got, sent.map((m) => m.value).sort());
  });

  test('a group resumes after its committed offsets', async () => {
    const topic = await freshTopic('resume');
    const groupId = `test-resume-${randomUUID()}`;
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: values(10, 'first') });

    const first = await collect(groupId, topic);
    await until('the first 10 records', () => first.received.length === 10);
    await closeConsumer(first.consumer); // commits what was processed

    const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
    const committed = offsets[0]?.partitions.reduce((sum, p) => sum + Number(p.offset), 0);
    assert.equal(committed, 10, 'the group committed all 10 records');

    await producer.send({ topic, messages: values(5, 'second') });
    await producer.disconnect();
    const second = await collect(groupId, topic);
    await until('the 5 new records', () => second.received.length >= 5);
    await new Promise((resolve) => setTimeout(resolve, 500)); // nothing old may trail in
    assert.deepEqual(
      second.received.map((r) => r.value).sort(),
      values(5, 'second')
        .map((m) => m.value)
        .sort(),
    );
  });

  test('the idempotent producer delivers every record once, in order per partition', async () => {
    const topic = await freshTopic('idem');
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const sent = values(100, 'i');
    for (let i = 0; i < sent.length; i += 10) {
      const result = await producer.send({ topic, messages: sent.slice(i, i + 10) });
      for (const r of result) assert.equal(r.errorCode, 0);
    }
    await producer.disconnect();

    const reader = await collect(`test-idem-${randomUUID()}`, topic);
    await until('100 records', () => reader.received.length === 100);
    for (let p = 0; p < PARTITIONS; p++) {
      const inPartition = reader.received.filter((r) => r.partition === p).map((r) => Number(r.value.slice(2)));
      assert.deepEqual(
        inPartition,
        [...inPartition].sort((x, y) => x - y),
        `partition ${p} keeps the send order`,
      );
    }
    assert.equal(new Set(reader.received.map((r) => r.value)).size, 100);
  });

  test('transactions: committed records are visible to read_committed, aborted ones are not', async () => {
    const topic = await freshTopic('txn');
    const producer = kafka.producer({
      transactionalId: `test-txn-${randomUUID()}`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();

    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: values(5, 'aborted') });
    await aborted.abort();

    const committed = await producer.transaction();
    await committed.send({ topic, messages: values(5, 'committed') });
    await committed.commit();
    await producer.disconnect();

    const readCommitted = await collect(`test-rc-${randomUUID()}`, topic);
    const readUncommitted = await collect(`test-ru-${randomUUID()}`, topic, { readUncommitted: true });
    await until('read_uncommitted to see all 10', () => readUncommitted.received.length === 10);
    await until('read_committed to see 5', () => readCommitted.received.length === 5);
    await new Promise((resolve) => setTimeout(resolve, 500)); // time for an aborted record to show up, if one could
    assert.deepEqual(
      readCommitted.received.map((r) => r.value).sort(),
      values(5, 'committed')
        .map((m) => m.value)
        .sort(),
    );
  });

  test('transactions: offsets sent in a committed transaction become the group offsets', async () => {
    const input = await freshTopic('txn-in');
    const output = await freshTopic('txn-out');
    const groupId = `test-eos-${randomUUID()}`;
    const producer = kafka.producer({ transactionalId: `test-eos-${randomUUID()}`, maxInFlightRequests: 1 });
    await producer.connect();
    const plain = kafka.producer();
    await plain.connect();
    await plain.send({ topic: input, messages: values(12, 'in') });
    await plain.disconnect();

    // consume → transform → produce, committing the input offsets in the same transaction
    const consumer = kafka.consumer({ groupId });
    openConsumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic: input, fromBeginning: true });
    let processed = 0;
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const txn = await producer.transaction();
        try {
          await txn.send({
            topic: output,
            messages: batch.messages.map((m) => ({ key: m.key, value: `out:${m.value?.toString()}` })),
          });
          const last = batch.messages.at(-1);
          if (last) {
            await txn.sendOffsets({
              consumerGroupId: groupId,
              topics: [
                {
                  topic: batch.topic,
                  partitions: [{ partition: batch.partition, offset: String(Number(last.offset) + 1) }],
                },
              ],
            });
          }
          await txn.commit();
          processed += batch.messages.length;
        } catch (error) {
          await txn.abort();
          throw error;
        }
      },
    });
    await until('12 records through the transaction', () => processed === 12);
    await closeConsumer(consumer);
    await producer.disconnect();

    const offsets = await admin.fetchOffsets({ groupId, topics: [input] });
    const committed = offsets[0]?.partitions.reduce((sum, p) => sum + Number(p.offset), 0);
    assert.equal(committed, 12, 'the transaction committed the input offsets');
    const reader = await collect(`test-eos-read-${randomUUID()}`, output);
    await until('12 output records', () => reader.received.length === 12);
    assert.ok(reader.received.every((r) => r.value.startsWith('out:in-')));
  });
});
