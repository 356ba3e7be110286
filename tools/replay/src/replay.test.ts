import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Clock, runReplay } from './replay.ts';
import type { RecordSink } from './sinks/types.ts';
import type { LabelledRecord } from './types.ts';

async function* records(count: number, entities = 2): AsyncGenerator<LabelledRecord> {
  for (let i = 0; i < count; i++) {
    const entity = `e${i % entities}`;
    yield { record: { id: `${entity}#${i}`, source: 't', entity, ts: i, values: { x: i }, attrs: {} } };
  }
}

class MemorySink implements RecordSink {
  readonly description = 'memory';
  readonly batches: { at: number; ids: string[] }[] = [];
  constructor(private readonly clock?: Clock) {}
  async write(batch: readonly LabelledRecord[]): Promise<void> {
    this.batches.push({ at: this.clock?.now() ?? 0, ids: batch.map((b) => b.record.id) });
  }
  async close(): Promise<void> {}
}

function fakeClock(): Clock & { slept: number } {
  let now = 0;
  return {
    slept: 0,
    now: () => now,
    async sleep(ms) {
      this.slept += ms;
      now += ms;
    },
  };
}

test('as fast as possible: full batches, then the rest; counts per entity', async () => {
  const sink = new MemorySink();
  const progress: number[] = [];
  const summary = await runReplay(records(25), sink, { rate: 0, batchSize: 10, onProgress: (n) => progress.push(n) });
  assert.deepEqual(
    sink.batches.map((b) => b.ids.length),
    [10, 10, 5],
  );
  assert.deepEqual(progress, [10, 20, 25]);
  assert.equal(summary.sent, 25);
  assert.deepEqual(
    [...summary.perEntity],
    [
      ['e0', 13],
      ['e1', 12],
    ],
  );
  assert.equal(summary.interrupted, false);
});

test('--limit stops after exactly that many records', async () => {
  const sink = new MemorySink();
  assert.equal((await runReplay(records(25), sink, { rate: 0, batchSize: 10, limit: 12 })).sent, 12);
  assert.equal((await runReplay(records(25), new MemorySink(), { rate: 0, batchSize: 10, limit: 0 })).sent, 0);
  assert.deepEqual(sink.batches.flatMap((b) => b.ids).at(-1), 'e1#11');
});

test('a rate paces the records and sends what is ready instead of holding it', async () => {
  const clock = fakeClock();
  const sink = new MemorySink(clock);
  const summary = await runReplay(records(100), sink, { rate: 50, batchSize: 1_000, clock });
  assert.equal(summary.sent, 100);
  // 100 records at 50/s with a burst of 5: 95 waits of 20 ms.
  assert.equal(clock.slept, 1_900);
  assert.ok(sink.batches.length >= 95, 'each record goes out as soon as the next would wait');
  assert.ok(Math.abs(summary.rate - 100 / 1.9) < 0.01);
});

test('taps see each batch after the sink acknowledged it', async () => {
  const order: string[] = [];
  const sink: RecordSink = {
    description: 'main',
    write: async (batch) => void order.push(`sink:${batch.length}`),
    close: async () => {},
  };
  const tap: RecordSink = {
    description: 'labels',
    write: async (batch) => void order.push(`tap:${batch.length}`),
    close: async () => {},
  };
  await runReplay(records(15), sink, { rate: 0, batchSize: 10, taps: [tap] });
  assert.deepEqual(order, ['sink:10', 'tap:10', 'sink:5', 'tap:5']);
});

test('a failing sink fails the run and the tap never sees the batch', async () => {
  const tapped: number[] = [];
  const sink: RecordSink = {
    description: 'broken',
    write: async () => {
      throw new Error('broker gone');
    },
    close: async () => {},
  };
  const tap: RecordSink = { description: 't', write: async (b) => void tapped.push(b.length), close: async () => {} };
  await assert.rejects(runReplay(records(5), sink, { rate: 0, batchSize: 2, taps: [tap] }), /broker gone/);
  assert.deepEqual(tapped, []);
});

test('an abort stops reading; what was read is still sent and the summary says so', async () => {
  const abort = new AbortController();
  const sink = new MemorySink();
  async function* stopping(): AsyncGenerator<LabelledRecord> {
    for await (const item of records(100)) {
      if (item.record.ts === 30) abort.abort();
      yield item;
    }
  }
  const summary = await runReplay(stopping(), sink, { rate: 0, batchSize: 7, signal: abort.signal });
  assert.equal(summary.interrupted, true);
  assert.equal(summary.sent, 30);
  assert.equal(sink.batches.flatMap((b) => b.ids).length, 30);
});
