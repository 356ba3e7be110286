import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Alert } from '@vigil/contracts';
import { callArgs, decodeReply, type EnrichInput, OUTCOME, planCalls, signalFeatureNames } from './core.ts';
import { FeatureConfig } from './feature-config.ts';

const config = FeatureConfig.parse({
  default: { ewma: { ewma: 0.1, ewma_slow: 0.01 } },
  sources: { picky: { signals: ['b', 'a'] } },
});

function input(
  index: number,
  source: string,
  entity: string,
  values: Record<string, number>,
  partition = 0,
): EnrichInput {
  const alert: Alert = {
    id: `id-${index}`,
    source,
    entity,
    ts: 1_000 + index,
    ingestedAt: 0,
    values,
    attrs: {},
    features: {},
    origin: { topic: 'raw', partition: 0, offset: '0', format: 'JSON' },
  };
  return { index, alert, topic: 'in', partition, offset: String(100 + index) };
}

describe('planCalls', () => {
  it('groups by partition, source and entity in offset order and splits long runs', () => {
    const inputs = [
      input(0, 's', 'e1', { a: 1 }),
      input(1, 's', 'e2', { a: 2 }),
      input(2, 's', 'e1', { a: 3 }),
      input(3, 't', 'e1', { a: 4 }),
      input(4, 's', 'e1', { a: 5 }),
      input(5, 's', 'e1', { a: 6 }, 1),
    ];
    const calls = planCalls(inputs, config, 2);
    assert.deepEqual(
      calls.map((c) => [c.tp, c.source, c.entity, c.continues, c.records.map((r) => r.index)]),
      [
        ['in/0', 's', 'e1', false, [0, 2]],
        ['in/0', 's', 'e1', true, [4]],
        ['in/0', 's', 'e2', false, [1]],
        ['in/0', 't', 'e1', false, [3]],
        ['in/1', 's', 'e1', false, [5]],
      ],
    );
  });

  it('keeps only the configured signals of a source, in config order', () => {
    const [call] = planCalls([input(0, 'picky', 'e', { c: 3, a: 1, b: 2 })], config, 10);
    assert.deepEqual(call?.records[0]?.signals, ['b', 'a']);
    assert.deepEqual(call?.records[0]?.values, [2, 1]);
  });
});

describe('callArgs', () => {
  it('sends the settings, a name dictionary, one blob of doubles and the ids', () => {
    const calls = planCalls([input(0, 's', 'e', { a: 1.5, b: -2 }), input(1, 's', 'e', { b: 7 })], config, 10);
    const args = callArgs(calls[0] as (typeof calls)[0], { stateMs: 604_800_000, snapshotMs: 3_600_000 });
    const settings = ['604800000', '3600000', '60', '0.1', '3600000', '24', '60000', '64', '0', '2', '0.1', '0.01'];
    assert.deepEqual(args.slice(0, settings.length), settings);
    assert.deepEqual(args.slice(settings.length, settings.length + 6), ['in/0', '0', '2', '2', 'a', 'b']);
    const blob = args[settings.length + 6] as Buffer;
    const doubles = Array.from({ length: blob.length / 8 }, (_, i) => blob.readDoubleLE(i * 8));
    assert.deepEqual(doubles, [100, 1000, 2, 1, 1.5, 2, -2, 101, 1001, 1, 2, 7]);
    assert.deepEqual(args.slice(settings.length + 7), ['id-0', 'id-1']);
  });
});

describe('decodeReply', () => {
  const [call] = planCalls([input(0, 's', 'e', { a: 1 })], config, 10);
  const doubles = (values: number[]): Buffer => {
    const buffer = Buffer.alloc(values.length * 8);
    values.forEach((v, i) => {
      buffer.writeDoubleLE(v, i * 8);
    });
    return buffer;
  };

  it('names the features and leaves out undefined and non-finite ones', () => {
    assert.deepEqual(signalFeatureNames(config.defaults), [
      'last',
      'diff',
      'mean',
      'std',
      'zscore',
      'sdiff',
      'ewma',
      'ewma_resid',
      'ewma_slow',
      'ewma_slow_resid',
    ]);
    const signal = [0.5, 0.5, 0.75, Number.NaN, Number.POSITIVE_INFINITY, Number.NaN, 0.9, 0.1, 0.99, 0.01];
    const reply = doubles([1, 0, OUTCOME.lateFlagged, 0, -2, 30, 1, ...signal]);
    assert.deepEqual(decodeReply(reply, call as NonNullable<typeof call>), {
      created: true,
      reset: false,
      records: [
        {
          outcome: OUTCOME.lateFlagged,
          dropped: 0,
          features: {
            '_entity.dt_s': -2,
            '_entity.rate_per_min': 30,
            '_entity.late': 1,
            'a.last': 0.5,
            'a.diff': 0.5,
            'a.mean': 0.75,
            'a.ewma': 0.9,
            'a.ewma_resid': 0.1,
            'a.ewma_slow': 0.99,
            'a.ewma_slow_resid': 0.01,
          },
        },
      ],
    });
  });

  it('refuses a reply of the wrong size or with an unknown outcome', () => {
    assert.throws(() => decodeReply(doubles([0, 0, 0]), call as NonNullable<typeof call>), {
      code: 'VIGIL_ENRICHMENT_SCRIPT_FAILED',
    });
    const unknown = doubles([0, 0, 9, 0, 0, 0, 0, ...new Array(10).fill(0)]);
    assert.throws(() => decodeReply(unknown, call as NonNullable<typeof call>), {
      code: 'VIGIL_ENRICHMENT_SCRIPT_FAILED',
    });
  });
});
