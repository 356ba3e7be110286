import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VigilError } from '@vigil/errors';
import type { BatchHandler } from '@vigil/kafka';
import { readTopics, testKafka, topicsFixture, uniqueName, waitFor } from '@vigil/test-kit';
import { committed, consumerFor, recordCount, upperCaser, useBroker } from './fixture.ts';

const reader = testKafka();
const broker = useBroker();

describe('BatchConsumer failures against the real broker', () => {
  it('stops on a handler bug: reports it once, publishes and commits nothing, and is not ready', async () => {
    const { topics, cleanup } = await topicsFixture(broker.admin, ['in', 'out'], 1);
    broker.defer(cleanup);
    const [input, output] = topics;
    await broker.producer.send({ topic: input, messages: ['ok:1', 'ok:2'].map((value) => ({ value })) });
    let calls = 0;
    const buggy: BatchHandler = {
      process: async () => {
        calls++;
        throw new TypeError("Cannot read properties of undefined (reading 'entity')");
      },
    };
    const groupId = uniqueName('g');
    const { consumer, fatalErrors } = consumerFor(broker.producer, [input], groupId, buggy);
    await consumer.start();
    await waitFor('the fatal report', () => (fatalErrors.length > 0 ? true : undefined));
    // Paused after the failure: no busy loop over the same records.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.equal(calls, 1);
    assert.equal(fatalErrors.length, 1);
    assert.ok(fatalErrors[0] instanceof TypeError);
    assert.deepEqual(consumer.status(), { ready: false, checks: { group: 'joined', processing: 'failed' } });
    await consumer.close();
    assert.equal(await recordCount(broker.admin, output), 0);
    assert.deepEqual(await committed(broker.admin, groupId, input), ['-1']);
  });

  it('rejoins when the group rebalances during a retry streak, then processes every record once', async () => {
    const { topics, cleanup } = await topicsFixture(broker.admin, ['in', 'out'], 2);
    broker.defer(cleanup);
    const [input, output] = topics;
    const values = Array.from({ length: 40 }, (_, i) => `ok:${i}`);
    await broker.producer.send({ topic: input, messages: values.map((value, i) => ({ key: `e${i}`, value })) });
    const groupId = uniqueName('g');
    let down = true;
    const flaky = (inner: BatchHandler): BatchHandler => ({
      process: async (records) => {
        if (down) throw new VigilError('VIGIL_REDIS_UNAVAILABLE', 'redis down');
        return inner.process(records);
      },
    });
    const firstHandler = upperCaser(output);
    const first = consumerFor(broker.producer, [input], groupId, flaky(firstHandler)).consumer;
    await first.start();
    await waitFor('a retry streak', () => (first.status().checks.processing?.includes('retrying') ? true : undefined));

    // A second member joins while the first is backing off. The first must hear of the
    // rebalance from its heartbeat and rejoin; otherwise the join waits for the
    // rebalance timeout (60 s) and the first member's commits fail from then on.
    const secondHandler = upperCaser(output);
    const second = consumerFor(broker.producer, [input], groupId, flaky(secondHandler)).consumer;
    const joinStarted = Date.now();
    await second.start();
    const joinMs = Date.now() - joinStarted;
    down = false;

    const read = await readTopics(reader, [output], { until: (m) => m.length >= values.length, timeoutMs: 20_000 });
    await waitFor('commits', async () => {
      const offsets = await committed(broker.admin, groupId, input);
      return offsets.reduce((sum, o) => sum + Math.max(0, Number(o)), 0) === values.length ? true : undefined;
    });
    await Promise.all([first.close(), second.close()]);
    assert.ok(joinMs < 15_000, `the second member waited ${joinMs} ms to join`);
    assert.deepEqual(read.map((m) => m.value.toString()).sort(), values.map((v) => v.toUpperCase()).sort());
    assert.equal(await recordCount(broker.admin, output), values.length);
    assert.equal(firstHandler.processed.length + secondHandler.processed.length, values.length);
  });

  it('loses nothing when a member joins mid-stream and another leaves, with commits in flight', async () => {
    const { topics, cleanup } = await topicsFixture(broker.admin, ['in', 'out'], 4);
    broker.defer(cleanup);
    const [input, output] = topics;
    const groupId = uniqueName('g');
    // Records keep coming, 50 every 25 ms, until the group has changed twice.
    const values: string[] = [];
    let flowing = true;
    const sending = (async () => {
      while (flowing) {
        const slice = Array.from({ length: 50 }, (_, i) => `ok:${values.length + i}`);
        await broker.producer.send({ topic: input, messages: slice.map((value) => ({ key: value, value })) });
        values.push(...slice);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    })();
    const firstHandler = upperCaser(output);
    const first = consumerFor(broker.producer, [input], groupId, firstHandler, { maxBatchRecords: 20 }).consumer;
    await first.start();
    await waitFor('the first records', () => (firstHandler.processed.length >= 200 ? true : undefined));
    const secondHandler = upperCaser(output);
    const second = consumerFor(broker.producer, [input], groupId, secondHandler, { maxBatchRecords: 20 }).consumer;
    await second.start();
    await waitFor('the second member at work', () => (secondHandler.processed.length >= 100 ? true : undefined));
    // The first leaves while records still flow: its last commit must land before it does.
    await first.close();
    await waitFor('the second member alone', () => (secondHandler.processed.length >= 400 ? true : undefined));
    flowing = false;
    await sending;
    await waitFor('every record committed', async () => {
      const offsets = await committed(broker.admin, groupId, input);
      return offsets.reduce((sum, o) => sum + Math.max(0, Number(o)), 0) === values.length ? true : undefined;
    });
    await second.close();
    const handled = [...firstHandler.processed, ...secondHandler.processed];
    // At least once: a chunk whose commit a rebalance refused is handled again by the next owner.
    assert.deepEqual([...new Set(handled)].sort(), [...values].sort());
    const read = await readTopics(reader, [output], { until: (m) => m.length >= handled.length, timeoutMs: 20_000 });
    assert.deepEqual(
      [...new Set(read.map((m) => m.value.toString()))].sort(),
      values.map((v) => v.toUpperCase()).sort(),
    );
    assert.ok(handled.length - values.length <= 200, `${handled.length - values.length} records handled twice`);
  });

  it('refuses to start on a missing input topic with a retriable error, and starts once it exists', async () => {
    const input = uniqueName('missing');
    const output = uniqueName('out');
    const { consumer } = consumerFor(broker.producer, [input], uniqueName('g'), upperCaser(output));
    await assert.rejects(consumer.start(), (error: unknown) => {
      assert.ok(error instanceof VigilError);
      assert.equal(error.code, 'VIGIL_KAFKA_UNAVAILABLE');
      assert.equal(error.retriable, true);
      return true;
    });
    await broker.admin.createTopics({ waitForLeaders: true, topics: [{ topic: input, numPartitions: 1 }] });
    broker.defer(() => broker.admin.deleteTopics({ topics: [input] }).catch(() => undefined));
    await consumer.start();
    await waitFor('joined', () => (consumer.status().ready ? true : undefined));
    await consumer.close();
  });
});
