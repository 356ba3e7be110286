import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { entityMatcher } from './glob.ts';
import { openFileInput, openGeneratedInput } from './inputs.ts';
import type { LabelledRecord } from './types.ts';

const SKAB = fileURLToPath(new URL('./fixtures/skab', import.meta.url));
const NOW = Date.UTC(2026, 0, 5, 12);

async function collect(records: AsyncIterable<LabelledRecord>): Promise<LabelledRecord[]> {
  const out: LabelledRecord[] = [];
  for await (const item of records) out.push(item);
  return out;
}

test('a folder: entities and totals up front, interleaved by re-timed time', async () => {
  const input = await openFileInput(SKAB, { order: 'interleave', retime: { shift: 'end', speedup: 1, now: NOW } });
  assert.deepEqual(
    input.entities.map((e) => [e.entity, e.source, e.rows]),
    [
      ['skab/anomaly-free/anomaly-free', 'skab', 4],
      ['skab/valve1/1', 'skab', 10],
    ],
  );
  assert.equal(input.total, 14);
  const items = await collect(input.records());
  assert.equal(items.length, 14);
  // Both files end at NOW, one second apart: the 4-row file's records interleave with the
  // last of the 10-row file's, the first-listed file first on equal times.
  assert.deepEqual(
    items.slice(-5).map((i) => i.record.id),
    [
      'skab/valve1/1#7',
      'skab/anomaly-free/anomaly-free#2',
      'skab/valve1/1#8',
      'skab/anomaly-free/anomaly-free#3',
      'skab/valve1/1#9',
    ],
  );
  for (const entity of input.entities) {
    const last = items.filter((i) => i.record.entity === entity.entity).at(-1);
    assert.equal(last?.record.ts, NOW);
  }
  const again = await collect(input.records());
  assert.deepEqual(
    again.map((i) => i.record.id),
    items.map((i) => i.record.id),
    'a second pass streams the same records',
  );
});

test('sequential order, an entity filter, an id prefix and an entity prefix', async () => {
  const input = await openFileInput(SKAB, {
    order: 'sequential',
    retime: { shift: 'now', speedup: 2, now: NOW },
    entityFilter: entityMatcher('skab/valve1/*'),
    idPrefix: 'run-7/',
    entityPrefix: 'demo-1/',
  });
  assert.deepEqual(
    input.entities.map((e) => e.entity),
    ['skab/valve1/1'],
  );
  const items = await collect(input.records());
  assert.deepEqual(
    items.map((i) => i.record.id),
    Array.from({ length: 10 }, (_, i) => `run-7/skab/valve1/1#${i}`),
  );
  assert.deepEqual(new Set(items.map((i) => i.record.entity)), new Set(['demo-1/skab/valve1/1']));
  assert.deepEqual(
    items.map((i) => i.record.ts - NOW),
    [0, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 4500],
  );
});

test('generated input: totals, summaries and the same records each time', async () => {
  const input = openGeneratedInput(
    { entities: 2, start: NOW - 60_000, durationMs: 60_000, intervalMs: 1_000, seed: 1, anomalies: [] },
    { retime: { shift: 'none', speedup: 1, now: NOW } },
  );
  assert.equal(input.total, 120);
  assert.deepEqual(
    input.entities.map((e) => [e.entity, e.rows, e.firstTs, e.lastTs]),
    [
      ['gen/pump-01', 60, NOW - 60_000, NOW - 1_000],
      ['gen/host-02', 60, NOW - 60_000, NOW - 1_000],
    ],
  );
  const first = await collect(input.records());
  const second = await collect(input.records());
  assert.equal(first.length, 120);
  assert.deepEqual(second, first);
});
