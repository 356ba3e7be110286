import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chainLatencies, type Sent } from './latency.ts';

function sentAt(entries: [string, number][]): Sent {
  return {
    count: entries.length,
    firstAt: Math.min(...entries.map(([, at]) => at)),
    lastAt: Math.max(...entries.map(([, at]) => at)),
    byId: new Map(entries),
    byEvent: new Map(),
  };
}

const record = (topic: string, id: string, timestamp: number) => ({
  topic,
  timestamp,
  value: Buffer.from(JSON.stringify({ id })),
});

describe('chainLatencies', () => {
  const hops = ['a', 'b', 'c', 'd'] as const;

  it('times each hop from the send time of the record it copied, ascending', () => {
    const sent = sentAt([
      ['x', 1_000],
      ['y', 1_020],
    ]);
    const latencies = chainLatencies(
      [record('a', 'y', 1_050), record('a', 'x', 1_010), record('d', 'x', 1_100)],
      hops,
      sent,
    );
    assert.deepEqual(latencies.toIngested, [10, 30]);
    assert.deepEqual(latencies.toIncident, [100]);
    assert.deepEqual(latencies.toEnriched, []);
  });

  it('leaves out what the warm-up sent', () => {
    const warmup = sentAt([['w', 500]]);
    const sent = sentAt([['x', 1_000]]);
    const latencies = chainLatencies([record('a', 'w', 2_000), record('a', 'x', 1_005)], hops, sent, warmup);
    assert.deepEqual(latencies.toIngested, [5]);
  });
});
