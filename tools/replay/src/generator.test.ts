import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DAY_MS, HOUR_MS, weekendShare } from './generator/seasonality.ts';
import { CLEAN_SHARE, createGenerator, type GeneratorOptions } from './generator.ts';
import { ANOMALY_KINDS, type LabelledRecord } from './types.ts';

const MONDAY = Date.UTC(2024, 5, 3);
const base: GeneratorOptions = {
  entities: 5,
  start: MONDAY + 8 * HOUR_MS,
  durationMs: HOUR_MS,
  intervalMs: 1_000,
  seed: 42,
  anomalies: ANOMALY_KINDS,
};

const all = (options: GeneratorOptions): LabelledRecord[] => [...createGenerator(options).records()];

function byEntity(records: readonly LabelledRecord[], entity: string): LabelledRecord[] {
  return records.filter((r) => r.record.entity === entity);
}

function pearson(xs: readonly number[], ys: readonly number[]): number {
  const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < xs.length; i++) {
    const dx = (xs[i] as number) - mx;
    const dy = (ys[i] as number) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxy / Math.sqrt(sxx * syy);
}

test('the same seed gives the same records; another seed other values; entity i does not depend on N', () => {
  const options = { ...base, entities: 3, durationMs: 10 * 60_000 };
  const first = all(options);
  assert.equal(first.length, 3 * 600);
  assert.deepEqual(all(options), first);
  const other = all({ ...options, seed: 43 });
  assert.deepEqual(
    other.map((r) => r.record.id),
    first.map((r) => r.record.id),
  );
  assert.notDeepEqual(
    other.map((r) => r.record.values),
    first.map((r) => r.record.values),
  );
  const alone = all({ ...options, entities: 1 });
  assert.deepEqual(alone, byEntity(first, 'gen/pump-01'));
});

test('records come tick by tick with ids <entity>#<sample>, pumps and hosts alternating', () => {
  const records = all({ ...base, entities: 2, durationMs: 3_000 });
  assert.deepEqual(
    records.map((r) => [r.record.id, r.record.ts - base.start, Object.keys(r.record.values), r.record.attrs]),
    [
      ['gen/pump-01#0', 0, ['flow', 'current', 'pressure', 'vibration', 'temperature'], { asset_type: 'pump' }],
      ['gen/host-02#0', 0, ['requests', 'cpu', 'latency_ms'], { asset_type: 'host' }],
      ['gen/pump-01#1', 1_000, ['flow', 'current', 'pressure', 'vibration', 'temperature'], { asset_type: 'pump' }],
      ['gen/host-02#1', 1_000, ['requests', 'cpu', 'latency_ms'], { asset_type: 'host' }],
      ['gen/pump-01#2', 2_000, ['flow', 'current', 'pressure', 'vibration', 'temperature'], { asset_type: 'pump' }],
      ['gen/host-02#2', 2_000, ['requests', 'cpu', 'latency_ms'], { asset_type: 'host' }],
    ],
  );
});

test('every kind is injected, labelled with its kind, and changes only its signal inside its interval', () => {
  const generation = createGenerator(base);
  const dirty = [...generation.records()];
  const clean = all({ ...base, anomalies: [] });
  const kindsSeen = new Set<string>();
  for (const entity of generation.entities) {
    const records = byEntity(dirty, entity.entity);
    const reference = byEntity(clean, entity.entity);
    assert.equal(entity.anomalies.length, ANOMALY_KINDS.length);
    for (const [k, { record, label }] of records.entries()) {
      const interval = entity.anomalies.find((a) => k >= a.start && k < a.end);
      const expected = reference[k]?.record.values as Record<string, number>;
      if (interval === undefined) {
        assert.deepEqual(label, { anomaly: false, changepoint: false }, record.id);
        assert.deepEqual(record.values, expected, `${record.id} is untouched outside the anomalies`);
        continue;
      }
      kindsSeen.add(interval.kind);
      assert.equal(label?.anomaly, true, record.id);
      assert.equal(label?.kind, interval.kind, record.id);
      const shifts = interval.kind === 'level_shift' || interval.kind === 'drift';
      assert.equal(label?.changepoint, shifts && k === interval.start, record.id);
      assert.ok(k >= Math.ceil(entity.rows * CLEAN_SHARE), 'the first share is anomaly-free');
      const changed = Object.keys(record.values).filter((s) => record.values[s] !== expected[s]);
      if (interval.kind === 'broken_correlation' && interval.signal === 'cpu') {
        // Latency follows the reported CPU, so it changes with it.
        assert.ok(
          changed.every((s) => s === 'cpu' || s === 'latency_ms'),
          `${record.id}: ${changed}`,
        );
      } else {
        assert.ok(
          changed.every((s) => s === interval.signal),
          `${record.id}: ${changed}`,
        );
      }
    }
    for (const interval of entity.anomalies) {
      const inside = records.slice(interval.start, interval.end).map((r) => r.record.values[interval.signal]);
      const before = reference.slice(interval.start, interval.end).map((r) => r.record.values[interval.signal]);
      const meanGap = inside.reduce<number>((s, v, i) => s + Math.abs((v as number) - (before[i] as number)), 0);
      if (interval.kind === 'stuck') {
        assert.equal(new Set(inside).size, 1, `${entity.entity}: a stuck signal repeats one value`);
        assert.ok(new Set(before).size > 1, 'while the real signal moves');
      } else {
        assert.ok(meanGap > 0, `${entity.entity} ${interval.kind} changes ${interval.signal}`);
      }
      if (interval.kind === 'spike') {
        const jump = Math.abs((inside[0] as number) - (before[0] as number));
        // A spike that would leave the signal's range turns round and is clipped there (CPU at 100 %).
        const clipped = inside[0] === 0 || (interval.signal === 'cpu' && inside[0] === 100);
        assert.ok(jump >= Math.abs(interval.magnitude) * 0.99 || clipped, `${entity.entity}: spike of ${jump}`);
      }
    }
  }
  assert.deepEqual([...kindsSeen].sort(), [...ANOMALY_KINDS].sort());
});

test('fewer anomalies per entity than kinds: kinds rotate over entities; none: clean data', () => {
  const generation = createGenerator({ ...base, anomaliesPerEntity: 1 });
  assert.deepEqual(
    generation.entities.map((e) => e.anomalies.map((a) => a.kind)),
    ANOMALY_KINDS.map((k) => [k]),
  );
  const clean = createGenerator({ ...base, anomalies: [] });
  assert.ok(clean.entities.every((e) => e.anomalies.length === 0));
  assert.ok([...clean.records()].every((r) => r.label?.anomaly === false));
});

test('daily and weekly seasonality are visible; correlated signals are correlated', () => {
  const start = MONDAY;
  const records = all({ ...base, entities: 2, start, durationMs: 14 * DAY_MS, intervalMs: 10 * 60_000, anomalies: [] });
  for (const [entity, load] of [
    ['gen/pump-01', 'flow'],
    ['gen/host-02', 'requests'],
  ] as const) {
    const series = byEntity(records, entity).map((r) => ({ ts: r.record.ts, v: r.record.values }));
    const weekday = series.filter((s) => weekendShare(s.ts) === 0);
    const hourly = Array.from({ length: 24 }, (_, h) => {
      const at = weekday.filter((s) => Math.floor((s.ts % DAY_MS) / HOUR_MS) === h).map((s) => s.v[load] as number);
      return at.reduce((a, b) => a + b, 0) / at.length;
    });
    assert.ok(Math.max(...hourly) / Math.min(...hourly) > 1.3, `${entity}: daily cycle in ${load}`);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const weekend = series.filter((s) => weekendShare(s.ts) === 1).map((s) => s.v[load] as number);
    assert.ok(mean(weekend) < 0.92 * mean(weekday.map((s) => s.v[load] as number)), `${entity}: quieter weekends`);
  }
  const column = (entity: string, signal: string): number[] =>
    byEntity(records, entity).map((r) => r.record.values[signal] as number);
  for (const [entity, driver, signal, least] of [
    ['gen/pump-01', 'flow', 'current', 0.9],
    ['gen/pump-01', 'flow', 'pressure', 0.9],
    ['gen/pump-01', 'flow', 'vibration', 0.8],
    ['gen/host-02', 'requests', 'cpu', 0.9],
    ['gen/host-02', 'cpu', 'latency_ms', 0.7],
  ] as const) {
    const r = pearson(column(entity, driver), column(entity, signal));
    assert.ok(r > least, `${entity}: ${signal} follows ${driver} (r = ${r})`);
  }
});

test('a broken correlation inverts the relation while each signal stays in range', () => {
  const generation = createGenerator({
    ...base,
    entities: 1,
    profile: 'host',
    anomalies: ['broken_correlation'],
    anomaliesPerEntity: 1,
    durationMs: 6 * HOUR_MS,
    intervalMs: 10_000,
  });
  const [entity] = generation.entities;
  const interval = entity?.anomalies[0];
  assert.ok(interval);
  const records = [...generation.records()].map((r) => r.record.values);
  const window = records.slice(interval.start, interval.end);
  const normal = records.slice(0, interval.start);
  const r = (rows: typeof records) =>
    pearson(
      rows.map((v) => v.requests as number),
      rows.map((v) => v[interval.signal] as number),
    );
  assert.ok(r(normal) > 0.5, `related before: ${r(normal)}`);
  assert.ok(r(window) < 0, `inverted inside: ${r(window)}`);
});
