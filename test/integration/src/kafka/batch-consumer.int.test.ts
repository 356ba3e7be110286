import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DLQ_HEADERS, dlqTopic } from '@vigil/contracts';
import { VigilError } from '@vigil/errors';
import type { BatchHandler } from '@vigil/kafka';
import { readTopics, testKafka, topicsFixture, uniqueName, waitFor } from '@vigil/test-kit';
import { committed, consumerFor, metricValue, recordCount, upperCaser, useBroker } from './fixture.ts';

const reader = testKafka();
const broker = useBroker();

describe('BatchConsumer against the real broker', () => {
  it('publishes ACK outputs and dead-letters with untouched bytes, the brief headers and the metrics', async () => {
    const { topics, cleanup } = await topicsFixture(broker.admin, ['in', 'out']);
    const [input, output] = topics;
    await broker.admin.createTopics({ waitForLeaders: true, topics: [{ topic: dlqTopic(input), numPartitions: 1 }] });
    broker.defer(cleanup);
    broker.defer(() =>
      broker.admin.deleteTopics({ topics: [dlqTopic(input)] }).then(
        () => undefined,
        () => undefined,
      ),
    );
    const values = ['ok:a', 'bad:b', 'ok:c', 'bad:d'];
    await broker.producer.send({
      topic: input,
      messages: values.map((v) => ({ key: 'k', value: v, headers: { trace: 'x1' } })),
    });
    const { consumer, registry } = consumerFor(broker.producer, [input], uniqueName('g'), upperCaser(output));
    await consumer.start();
    const read = await readTopics(reader, [output, dlqTopic(input)], { until: (m) => m.length >= 4 });
    await consumer.close();
    const outputs = read.filter((m) => m.topic === output).map((m) => m.value.toString());
    assert.deepEqual(outputs, ['OK:A', 'OK:C']);
    const dead = read.filter((m) => m.topic === dlqTopic(input));
    assert.deepEqual(
      dead.map((m) => m.value.toString()),
      ['bad:b', 'bad:d'],
    );
    const first = dead[0]?.headers ?? {};
    // Same key, same input partition: b was the second record written there.
    const partition = first[DLQ_HEADERS.sourcePartition] ?? '';
    assert.match(partition, /^[01]$/);
    assert.deepEqual(
      { ...first, [DLQ_HEADERS.failedAt]: 'checked below' },
      {
        trace: 'x1',
        [DLQ_HEADERS.code]: 'VIGIL_INGEST_INVALID_FIELD',
        [DLQ_HEADERS.message]: 'cannot take bad:b',
        [DLQ_HEADERS.stage]: 'test',
        [DLQ_HEADERS.sourceTopic]: input,
        [DLQ_HEADERS.sourcePartition]: partition,
        [DLQ_HEADERS.sourceOffset]: '1',
        [DLQ_HEADERS.failedAt]: 'checked below',
      },
    );
    assert.ok(!Number.isNaN(Date.parse(first[DLQ_HEADERS.failedAt] ?? '')));
    assert.equal(dead[0]?.key, 'k');
    assert.equal(dead[1]?.headers[DLQ_HEADERS.sourceOffset], '3');

    assert.equal(await metricValue(registry, 'vigil_records_in_total', { stage: 'test', topic: input }), 4);
    assert.equal(await metricValue(registry, 'vigil_records_out_total', { stage: 'test', topic: output }), 2);
    assert.equal(
      await metricValue(registry, 'vigil_records_dead_lettered_total', { code: 'VIGIL_INGEST_INVALID_FIELD' }),
      2,
    );
    assert.equal(await metricValue(registry, 'vigil_consumer_lag', { topic: input, partition }), 0);
    const chunks = await metricValue(registry, 'vigil_batch_duration_seconds', { stage: 'test', le: '+Inf' });
    assert.ok(chunks >= 1, `${chunks} chunks timed`);
  });

  it('publishes and commits nothing while a dependency is down, then everything exactly once', async () => {
    const { topics, cleanup } = await topicsFixture(broker.admin, ['in', 'out'], 1);
    broker.defer(cleanup);
    const [input, output] = topics;
    await broker.producer.send({ topic: input, messages: ['ok:1', 'ok:2', 'ok:3'].map((value) => ({ value })) });
    const inner = upperCaser(output);
    let down = true;
    let attempts = 0;
    const flaky: BatchHandler = {
      process: async (records) => {
        attempts++;
        if (down) throw new VigilError('VIGIL_REDIS_UNAVAILABLE', 'redis down');
        return inner.process(records);
      },
    };
    const groupId = uniqueName('g');
    const { consumer, registry } = consumerFor(broker.producer, [input], groupId, flaky);
    await consumer.start();

    const streak = await waitFor('a retry streak', () => {
      const status = consumer.status();
      return attempts >= 3 && !status.ready ? status : undefined;
    });
    assert.match(streak.checks.processing ?? '', /VIGIL_REDIS_UNAVAILABLE/);
    assert.equal(await recordCount(broker.admin, output), 0);
    assert.deepEqual(await committed(broker.admin, groupId, input), ['-1']);
    assert.ok((await metricValue(registry, 'vigil_retries_total', { code: 'VIGIL_REDIS_UNAVAILABLE' })) >= 2);

    down = false;
    const read = await readTopics(reader, [output], { until: (m) => m.length >= 3 });
    await waitFor('commit', async () =>
      (await committed(broker.admin, groupId, input))[0] === '3' ? true : undefined,
    );
    assert.equal(consumer.status().ready, true);
    await consumer.close();
    assert.equal(consumer.status().ready, false);
    assert.deepEqual(
      read.map((m) => m.value.toString()),
      ['OK:1', 'OK:2', 'OK:3'],
    );
    assert.equal(await recordCount(broker.admin, output), 3);
    assert.deepEqual(inner.processed, ['ok:1', 'ok:2', 'ok:3']);
  });

  it('resumes after close() at the first unprocessed record, in chunks', async () => {
    const { topics, cleanup } = await topicsFixture(broker.admin, ['in', 'out'], 1);
    broker.defer(cleanup);
    const [input, output] = topics;
    const values = Array.from({ length: 200 }, (_, i) => `ok:${i}`);
    await broker.producer.send({ topic: input, messages: values.map((value) => ({ value })) });
    const groupId = uniqueName('g');
    // The first consumer stops after it has handled the first chunks.
    const first = upperCaser(output);
    const firstConsumer = consumerFor(broker.producer, [input], groupId, first, { maxBatchRecords: 50 }).consumer;
    await firstConsumer.start();
    await waitFor('first chunks', () => (first.processed.length >= 50 ? true : undefined));
    await Promise.all([firstConsumer.close(), firstConsumer.close()]);
    // Commits happen per chunk, so what the first one handled is exactly what it committed.
    assert.deepEqual(await committed(broker.admin, groupId, input), [String(first.processed.length)]);
    assert.equal(first.processed.length % 50, 0);
    const second = upperCaser(output);
    const secondConsumer = consumerFor(broker.producer, [input], groupId, second, { maxBatchRecords: 50 }).consumer;
    await secondConsumer.start();
    await waitFor('all records', () => (first.processed.length + second.processed.length >= 200 ? true : undefined));
    await secondConsumer.close();
    assert.deepEqual([...first.processed, ...second.processed], values);
    assert.deepEqual(await committed(broker.admin, groupId, input), ['200']);
    assert.equal(await recordCount(broker.admin, output), 200);
  });

  it('handles the partitions of one fetch as one chunk: one call, each partition in order, all committed', async () => {
    const { topics, cleanup } = await topicsFixture(broker.admin, ['in', 'out'], 4);
    broker.defer(cleanup);
    const [input, output] = topics;
    const values = Array.from({ length: 400 }, (_, i) => `ok:${i % 4}:${i}`);
    await broker.producer.send({
      topic: input,
      messages: values.map((value, i) => ({ value, partition: i % 4 })),
    });
    const inner = upperCaser(output);
    const chunks: { partitions: number[]; offsetsInOrder: boolean }[] = [];
    const spy: BatchHandler = {
      process: async (records) => {
        const byPartition = new Map<number, bigint[]>();
        for (const r of records)
          byPartition.set(r.partition, [...(byPartition.get(r.partition) ?? []), BigInt(r.offset)]);
        chunks.push({
          partitions: [...byPartition.keys()].sort(),
          offsetsInOrder: [...byPartition.values()].every((offsets) =>
            offsets.every((o, i) => i === 0 || o > (offsets[i - 1] as bigint)),
          ),
        });
        return inner.process(records);
      },
    };
    const groupId = uniqueName('g');
    const { consumer } = consumerFor(broker.producer, [input], groupId, spy);
    await consumer.start();
    await waitFor('every record', () => (inner.processed.length >= 400 ? true : undefined));
    await consumer.close();
    // All four partitions were in the first fetch, so the first chunk spans them.
    assert.deepEqual(chunks[0]?.partitions, [0, 1, 2, 3]);
    assert.ok(chunks.every((c) => c.offsetsInOrder));
    assert.deepEqual([...inner.processed].sort(), [...values].sort());
    // close() waited for the last commit: every partition committed to its end.
    assert.deepEqual(await committed(broker.admin, groupId, input), ['100', '100', '100', '100']);
    assert.equal(await recordCount(broker.admin, output), 400);
  });
});
