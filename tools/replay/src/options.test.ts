import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isVigilError } from '@vigil/errors';
import { type GenerateInputSpec, HELP, parseCli } from './options.ts';
import { ANOMALY_KINDS } from './types.ts';

function problems(argv: string[]): string[] {
  try {
    parseCli(argv);
  } catch (error) {
    assert.ok(isVigilError(error, 'VIGIL_CONFIG_INVALID'));
    return error.context.problems as string[];
  }
  assert.fail(`${argv.join(' ')} was accepted`);
}

test('a folder with defaults', () => {
  assert.deepEqual(parseCli(['../shared/datasets/skab']), {
    help: false,
    input: {
      kind: 'files',
      path: '../shared/datasets/skab',
      entities: undefined,
      order: 'interleave',
      tsColumn: undefined,
    },
    format: 'json',
    topic: undefined,
    rate: 0,
    limit: undefined,
    batchSize: 500,
    compression: 'none',
    timeShift: 'end',
    speedup: 1,
    idPrefix: undefined,
    entityPrefix: undefined,
    labelsOut: undefined,
    out: undefined,
    csvDir: undefined,
    quiet: false,
  });
});

test('every option of a file replay', () => {
  const options = parseCli([
    'x.csv',
    '--entities=skab/*',
    '--order',
    'sequential',
    '--ts-column',
    'when',
    '--time-shift',
    'now',
    '--speedup',
    '60',
    '--format',
    'avro',
    '--topic',
    't',
    '--rate',
    '250.5',
    '--limit',
    '10',
    '--batch-size',
    '100',
    '--compression',
    'gzip',
    '--id-prefix',
    'r1/',
    '--entity-prefix',
    'e1/',
    '--labels-out',
    'l.jsonl',
    '--quiet',
  ]);
  assert.deepEqual(options.input, {
    kind: 'files',
    path: 'x.csv',
    entities: 'skab/*',
    order: 'sequential',
    tsColumn: 'when',
  });
  assert.equal(options.timeShift, 'now');
  assert.equal(options.speedup, 60);
  assert.equal(options.format, 'avro');
  assert.equal(options.rate, 250.5);
  assert.equal(options.limit, 10);
  assert.equal(options.batchSize, 100);
  assert.equal(options.compression, 'gzip');
  assert.equal(options.idPrefix, 'r1/');
  assert.equal(options.entityPrefix, 'e1/');
  assert.equal(options.labelsOut, 'l.jsonl');
  assert.equal(options.quiet, true);
  assert.ok(Object.isFrozen(options));
});

test('generate: defaults and options; no time shift unless asked', () => {
  const defaults = parseCli(['generate']);
  assert.deepEqual(defaults.input, {
    kind: 'generate',
    entities: 4,
    durationMs: 7_200_000,
    intervalMs: 1_000,
    seed: '42',
    anomalies: ANOMALY_KINDS,
    anomaliesPerEntity: undefined,
    profile: 'mixed',
    start: undefined,
  });
  assert.equal(defaults.timeShift, 'none');
  const input = parseCli([
    'generate',
    '--entities',
    '10',
    '--duration',
    '7d',
    '--interval',
    '1m',
    '--seed',
    'demo',
    '--anomalies',
    'spike,stuck',
    '--anomalies-per-entity',
    '3',
    '--profile',
    'host',
    '--start',
    '2024-06-03T00:00:00Z',
    '--csv-dir',
    'out',
  ]).input as GenerateInputSpec;
  assert.deepEqual(input, {
    kind: 'generate',
    entities: 10,
    durationMs: 7 * 86_400_000,
    intervalMs: 60_000,
    seed: 'demo',
    anomalies: ['spike', 'stuck'],
    anomaliesPerEntity: 3,
    profile: 'host',
    start: Date.UTC(2024, 5, 3),
  });
  assert.deepEqual(parseCli(['generate', '--anomalies', 'none']).input, { ...defaults.input, anomalies: [] });
});

test('every problem is reported at once', () => {
  assert.deepEqual(
    problems([
      'a',
      'b',
      '--frob',
      '--rate',
      '-1',
      '--format',
      'xml',
      '--duration',
      '2h',
      '--limit',
      '1.5',
      '--speedup',
      '0',
      '--topic',
    ]),
    [
      'unknown option --frob',
      '--topic needs a value',
      'give one input, got 2: a b',
      '--duration applies only to "generate"',
      '--format must be one of json, avro; got "xml"',
      '--rate must be a number ≥ 0; got "-1"',
      '--limit must be an integer from 0 to 9007199254740991; got "1.5"',
      '--speedup must be a number > 0; got "0"',
    ],
  );
});

test('generate rejects file options and bad generator values', () => {
  assert.deepEqual(
    problems([
      'generate',
      '--ts-column',
      'x',
      '--entities',
      'skab/*',
      '--interval',
      '1h',
      '--duration',
      '10m',
      '--anomalies',
      'spike,meteor',
      '--start',
      'yesterday',
    ]),
    [
      '--ts-column applies only to a file or folder',
      '--interval must not be longer than --duration',
      '--start must be an RFC 3339 time such as 2024-06-03T00:00:00Z; got "yesterday"',
      '--entities must be an integer from 1 to 10000; got "skab/*"',
      '--anomalies: unknown kind meteor; known: all, none, spike, level_shift, drift, broken_correlation, stuck',
    ],
  );
});

test('file outputs exclude Kafka-only options and Avro', () => {
  assert.deepEqual(problems(['x', '--out', '-', '--topic', 't', '--format', 'avro']), [
    '--topic needs Kafka output',
    '--format avro needs Kafka output',
  ]);
  assert.deepEqual(problems(['generate', '--out', 'a', '--csv-dir', 'b']), ['--out and --csv-dir exclude each other']);
  assert.deepEqual(problems([]), ['give one input: a dataset file or folder, or "generate" (see --help)']);
});

test('--help wins over everything and lists every option it parses', () => {
  assert.equal(parseCli(['--help', '--frob']).help, true);
  assert.equal(parseCli(['generate', '-h']).help, true);
  for (const option of [
    '--entities',
    '--order',
    '--ts-column',
    '--time-shift',
    '--speedup',
    '--duration',
    '--interval',
    '--seed',
    '--anomalies',
    '--anomalies-per-entity',
    '--profile',
    '--start',
    '--format',
    '--topic',
    '--rate',
    '--limit',
    '--batch-size',
    '--compression',
    '--id-prefix',
    '--labels-out',
    '--out',
    '--csv-dir',
    '--quiet',
    '--help',
  ]) {
    assert.ok(HELP.includes(option), option);
  }
});
