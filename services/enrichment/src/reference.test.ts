import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OUTCOME, type PlannedRecord } from './core.ts';
import { DEFAULT_SETTINGS, type SourceSettings } from './feature-config.ts';
import { ReferenceEntity } from './reference.ts';

const settings: SourceSettings = {
  ...DEFAULT_SETTINGS,
  windowSize: 4,
  ewma: [
    { name: 'ewma', alpha: 0.5 },
    { name: 'ewma_slow', alpha: 0.1 },
  ],
  rateAlpha: 0.5,
  season: { lengthMs: 40_000, slots: 4, resolutionMs: 10_000 },
  maxLatenessMs: 5_000,
  maxSignals: 2,
};
const T0 = 1_700_000_000_000;

let offset = 0;
function rec(ts: number, values: Record<string, number>, id = `r${offset}`): PlannedRecord {
  const o = offset++;
  return { index: 0, id, ts, offset: String(o), signals: Object.keys(values), values: Object.values(values) };
}

function run(entity: ReferenceEntity, records: PlannedRecord[], continues = false) {
  return entity.call({ tp: 't/0', continues, records }, settings).records;
}

/** Equal up to rounding: the window statistics are updated incrementally, not recomputed. */
function close(actual: number | undefined, expected: number, what: string, tolerance = 1e-12): void {
  assert.ok(actual !== undefined, `${what} missing`);
  assert.ok(
    Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)),
    `${what}: ${actual} != ${expected}`,
  );
}

function naiveStats(window: readonly number[]): { mean: number; std: number } {
  const mean = window.reduce((a, b) => a + b, 0) / window.length;
  return { mean, std: Math.sqrt(window.reduce((a, v) => a + (v - mean) ** 2, 0) / (window.length - 1)) };
}

describe('ReferenceEntity features', () => {
  it('computes window, z-score and EWMA features from the values before the current one', () => {
    const entity = new ReferenceEntity();
    const xs = [10, 12, 11, 15, 9, 30];
    const out = run(
      entity,
      xs.map((x, i) => rec(T0 + i * 1000, { temp: x })),
    );
    assert.deepEqual(out[0]?.features, { '_entity.late': 0, 'temp.ewma': 10, 'temp.ewma_slow': 10 });
    let fast = 10;
    let slow = 10;
    for (let i = 1; i < xs.length; i++) {
      const f = out[i]?.features ?? {};
      const x = xs[i] as number;
      const window = xs.slice(Math.max(0, i - 4), i);
      const mean = window.reduce((a, b) => a + b, 0) / window.length;
      close(f['temp.last'], xs[i - 1] as number, 'last');
      close(f['temp.diff'], x - (xs[i - 1] as number), 'diff');
      close(f['temp.mean'], mean, `mean ${i}`);
      if (window.length >= 2) {
        const std = Math.sqrt(window.reduce((a, v) => a + (v - mean) ** 2, 0) / (window.length - 1));
        close(f['temp.std'], std, `std ${i}`);
        close(f['temp.zscore'], (x - mean) / std, `zscore ${i}`);
      } else {
        assert.equal(f['temp.std'], undefined);
        assert.equal(f['temp.zscore'], undefined);
      }
      close(f['temp.ewma_resid'], x - fast, 'resid');
      close(f['temp.ewma_slow_resid'], x - slow, 'slow resid');
      fast += 0.5 * (x - fast);
      slow += 0.1 * (x - slow);
      close(f['temp.ewma'], fast, 'ewma');
      close(f['temp.ewma_slow'], slow, 'ewma slow');
      close(f['_entity.dt_s'], 1, 'dt');
      close(f['_entity.rate_per_min'], 60, 'rate');
    }
  });

  it('keeps the sliding mean and std exact over a long run of large values with small spread', () => {
    const entity = new ReferenceEntity();
    const random = (() => {
      let x = 42;
      return () => {
        x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
        return x / 2_147_483_648;
      };
    })();
    const xs = Array.from({ length: 5_000 }, () => 1e6 + random() * 1e-3);
    const out = run(
      entity,
      xs.map((x, i) => rec(T0 + i, { a: x })),
    );
    for (const i of [4, 5, 6, 7, 8, 1_001, 2_502, 4_999]) {
      const { mean, std } = naiveStats(xs.slice(i - 4, i));
      close(out[i]?.features['a.mean'], mean, `mean at ${i}`);
      close(out[i]?.features['a.std'], std, `std at ${i}`, 1e-6);
    }
  });

  it('tracks the record rate as an EWMA of the inter-arrival time', () => {
    const entity = new ReferenceEntity();
    const out = run(entity, [rec(T0, { a: 1 }), rec(T0 + 2000, { a: 1 }), rec(T0 + 6000, { a: 1 })]);
    close(out[1]?.features['_entity.rate_per_min'], 30, 'rate after 2 s');
    close(out[2]?.features['_entity.dt_s'], 4, 'dt');
    close(out[2]?.features['_entity.rate_per_min'], 60 / 3, 'rate after 2 s then 4 s');
  });

  it('leaves the z-score out while the window is constant unless minStd is set', () => {
    const constant = [rec(T0, { a: 5 }), rec(T0 + 1, { a: 5 }), rec(T0 + 2, { a: 7 })];
    const plain = new ReferenceEntity().call({ tp: 't/0', continues: false, records: constant }, settings);
    assert.equal(plain.records[2]?.features['a.zscore'], undefined);
    const floored = new ReferenceEntity().call(
      { tp: 't/0', continues: false, records: constant },
      { ...settings, minStd: 0.5 },
    );
    close(floored.records[2]?.features['a.zscore'], 4, 'zscore with std floor');
  });

  it('differences against the mean of the same slot one season earlier', () => {
    assert.equal(T0 % 10_000, 0, 'T0 starts a bucket');
    const entity = new ReferenceEntity();
    // Slots of 10 s, season of 40 s: the bucket at +40 s compares with the bucket at +0 s.
    const out = run(entity, [
      rec(T0, { a: 1 }),
      rec(T0 + 5_000, { a: 3 }),
      rec(T0 + 20_000, { a: 100 }),
      rec(T0 + 40_000, { a: 10 }),
      rec(T0 + 45_000, { a: 20 }),
      rec(T0 + 80_000, { a: 5 }),
      rec(T0 + 160_000, { a: 5 }),
    ]);
    assert.equal(out[2]?.features['a.sdiff'], undefined, 'no data one season before');
    close(out[3]?.features['a.sdiff'], 10 - 2, 'vs the mean of the bucket a season ago');
    close(out[4]?.features['a.sdiff'], 20 - 2, 'the old mean stays for the whole bucket');
    close(out[5]?.features['a.sdiff'], 5 - 15, 'the next season compares with the mean of 10 and 20');
    assert.equal(out[6]?.features['a.sdiff'], undefined, 'the slot holds a bucket two seasons back');
  });
});

describe('ReferenceEntity lateness and replays', () => {
  it('computes late records against the current state without applying them', () => {
    const entity = new ReferenceEntity();
    const [, , late, tooLate] = run(entity, [
      rec(T0 + 10_000, { a: 1 }),
      rec(T0 + 11_000, { a: 3 }),
      rec(T0 + 8_000, { a: 100 }),
      rec(T0 + 1_000, { a: 100 }),
    ]);
    assert.equal(late?.outcome, OUTCOME.late);
    assert.equal(late?.features['_entity.late'], 0);
    close(late?.features['_entity.dt_s'], -3, 'negative dt');
    close(late?.features['a.diff'], 97, 'against the last applied value');
    assert.equal(tooLate?.outcome, OUTCOME.lateFlagged);
    assert.equal(tooLate?.features['_entity.late'], 1);
    const [next] = run(entity, [rec(T0 + 12_000, { a: 5 })]);
    close(next?.features['a.last'], 3, 'late values never entered the window');
    close(next?.features['a.mean'], 2, 'late values never entered the window');
  });

  it('applies several records with the same ts once each, and skips a re-sent id', () => {
    const entity = new ReferenceEntity();
    const out = run(entity, [rec(T0, { a: 1 }, 'x'), rec(T0, { a: 2 }, 'y')]);
    assert.deepEqual(
      out.map((r) => r.outcome),
      [OUTCOME.applied, OUTCOME.applied],
    );
    const again = entity.call({ tp: 'other/3', continues: false, records: [rec(T0, { a: 2 }, 'y')] }, settings);
    assert.equal(again.records[0]?.outcome, OUTCOME.replayedCurrent);
    const [next] = run(entity, [rec(T0 + 1, { a: 3 })]);
    close(next?.features['a.mean'], 1.5, 'y counted once');
  });

  it('re-runs a re-delivered call from its snapshot with identical features', () => {
    const entity = new ReferenceEntity();
    run(entity, [rec(T0, { a: 1 }), rec(T0 + 1000, { a: 2 })]);
    offset = 100;
    const batch = [rec(T0 + 2000, { a: 4 }), rec(T0 + 500, { a: 9 }), rec(T0 + 3000, { a: 8 })];
    const first = run(entity, batch);
    const second = run(entity, batch);
    assert.deepEqual(
      second.map((r) => r.features),
      first.map((r) => r.features),
    );
    assert.deepEqual(
      second.map((r) => r.outcome),
      [OUTCOME.replayedExact, OUTCOME.replayedExact, OUTCOME.replayedExact],
    );
    // A longer re-delivery: the known part replays exactly, the rest is new.
    const longer = run(entity, [...batch, rec(T0 + 4000, { a: 16 })]);
    assert.deepEqual(
      longer.slice(0, 3).map((r) => r.features),
      first.map((r) => r.features),
    );
    assert.equal(longer[3]?.outcome, OUTCOME.applied);
    close(longer[3]?.features['a.mean'], (1 + 2 + 4 + 8) / 4, 'the late 9 never entered the window');
  });

  it('falls back to the current state when the snapshot no longer covers a replay', () => {
    const entity = new ReferenceEntity();
    offset = 200;
    const older = [rec(T0, { a: 1 }), rec(T0 + 1000, { a: 2 })];
    run(entity, older);
    run(entity, [rec(T0 + 2000, { a: 3 })]);
    const replay = run(entity, older);
    assert.deepEqual(
      replay.map((r) => r.outcome),
      [OUTCOME.replayedCurrent, OUTCOME.replayedCurrent],
    );
    const [next] = run(entity, [rec(T0 + 3000, { a: 4 })]);
    close(next?.features['a.mean'], 2, 'nothing applied twice');
  });

  it('keeps the snapshot of the first chunk across continuing chunks of one batch', () => {
    const entity = new ReferenceEntity();
    offset = 300;
    const chunkA = [rec(T0, { a: 1 }), rec(T0 + 1000, { a: 2 })];
    const chunkB = [rec(T0 + 2000, { a: 4 })];
    const first = [...run(entity, chunkA), ...run(entity, chunkB, true)];
    const second = [...run(entity, chunkA), ...run(entity, chunkB, true)];
    assert.deepEqual(
      second.map((r) => r.features),
      first.map((r) => r.features),
    );
    assert.ok(second.every((r) => r.outcome === OUTCOME.replayedExact));
  });

  it('keeps at most maxSignals signals per entity', () => {
    const entity = new ReferenceEntity();
    const [r] = run(entity, [rec(T0, { a: 1, b: 2, c: 3 })]);
    assert.equal(r?.dropped, 1);
    assert.equal(r?.features['c.ewma'], undefined);
  });

  it('resizes a window to the newest values when the window size changes', () => {
    const entity = new ReferenceEntity();
    offset = 400;
    run(
      entity,
      [1, 2, 3, 4, 5].map((x, i) => rec(T0 + i, { a: x })),
    );
    const out = entity.call(
      { tp: 't/0', continues: false, records: [rec(T0 + 10, { a: 0 })] },
      { ...settings, windowSize: 2 },
    );
    close(out.records[0]?.features['a.mean'], 4.5, 'last two values');
  });
});
