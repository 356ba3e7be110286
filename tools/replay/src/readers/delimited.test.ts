import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { LabelledRecord } from '../types.ts';
import { openDelimited, type ReadOptions, readDelimited } from './delimited.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const fixture = (path: string): string => join(FIXTURES, path);
const DATASETS = process.env.VIGIL_DATASETS;
const SKAB_SENSORS = [
  'Accelerometer1RMS',
  'Accelerometer2RMS',
  'Current',
  'Pressure',
  'Temperature',
  'Thermocouple',
  'Voltage',
  'Volume Flow RateRMS',
];

async function readAll(path: string, options: ReadOptions): Promise<LabelledRecord[]> {
  const out: LabelledRecord[] = [];
  for await (const item of readDelimited(path, options)) out.push(item);
  return out;
}

test('SKAB: labels beside the record, never in values; ids and times deterministic', async (t) => {
  if (!DATASETS) t.diagnostic('VIGIL_DATASETS is not set: the real SKAB and Microsoft files are not read');
  const path = fixture('skab/data/valve1/1.csv');
  const items = await readAll(path, { entity: 'skab/valve1/1' });
  assert.equal(items.length, 10);
  const first = items[0] as LabelledRecord;
  assert.deepEqual(first.record, {
    id: 'skab/valve1/1#0',
    source: 'skab',
    entity: 'skab/valve1/1',
    ts: Date.UTC(2020, 2, 9, 10, 14, 33),
    values: {
      Accelerometer1RMS: 0.0265878,
      Accelerometer2RMS: 0.0401113,
      Current: 1.3302,
      Pressure: 0.054711,
      Temperature: 79.3366,
      Thermocouple: 26.0199,
      Voltage: 233.062,
      'Volume Flow RateRMS': 32,
    },
    attrs: {},
  });
  for (const { record } of items) assert.deepEqual(Object.keys(record.values), SKAB_SENSORS);
  assert.deepEqual(
    items.map((i) => [i.label?.anomaly, i.label?.changepoint]),
    [
      [false, false],
      [false, false],
      [false, false],
      [false, false],
      [false, false],
      [true, true],
      [true, false],
      [true, false],
      [false, true],
      [false, false],
    ],
  );
  assert.deepEqual(
    (await readAll(path, { entity: 'skab/valve1/1' })).map((i) => i.record.id),
    items.map((i) => i.record.id),
  );
});

test('SKAB anomaly-free file: every row is labelled normal', async () => {
  const items = await readAll(fixture('skab/data/anomaly-free/anomaly-free.csv'), { entity: 'a' });
  assert.equal(items.length, 4);
  for (const { record, label } of items) {
    assert.deepEqual(label, { anomaly: false, changepoint: false });
    assert.equal(Object.keys(record.values).length, 8);
  }
});

test('Microsoft cloud monitoring: quoted, CRLF, an empty reading is left out, Label beside', async () => {
  const items = await readAll(fixture('ms-cloud-monitoring/data/api-latency/latency-01.csv'), { entity: 'm' });
  assert.deepEqual(
    items.map(({ record, label }) => [record.id, record.source, record.ts, record.values, label]),
    [
      ['m#0', 'ms-cloud-monitoring', Date.UTC(2018, 3, 25, 0, 0), { Value: 12.5 }, { anomaly: false }],
      ['m#1', 'ms-cloud-monitoring', Date.UTC(2018, 3, 25, 0, 1), { Value: 13.1 }, { anomaly: false }],
      ['m#2', 'ms-cloud-monitoring', Date.UTC(2018, 3, 25, 0, 2), {}, { anomaly: false }],
      ['m#3', 'ms-cloud-monitoring', Date.UTC(2018, 3, 25, 0, 3), { Value: 97.4 }, { anomaly: true }],
      ['m#4', 'ms-cloud-monitoring', Date.UTC(2018, 3, 25, 0, 4), { Value: 12.9 }, { anomaly: false }],
      ['m#5', 'ms-cloud-monitoring', Date.UTC(2018, 3, 25, 0, 5), { Value: 13.3 }, { anomaly: false }],
    ],
  );
  const unquoted = await readAll(fixture('ms-cloud-monitoring/data/api-latency/latency-02.csv'), { entity: 'm2' });
  assert.equal(unquoted.length, 4, 'the last line has no line break');
  assert.deepEqual(unquoted[2]?.record.values, { Value: 0.9 });
  assert.deepEqual(unquoted[2]?.label, { anomaly: true });
});

test('plain CSV: time column by name, text columns become attrs, missing cells are left out', async () => {
  const items = await readAll(fixture('plain/hosts.csv'), { entity: 'plain/hosts' });
  assert.deepEqual(
    items.map(({ record, label }) => [record.source, record.values, record.attrs, label?.anomaly]),
    [
      ['csv', { cpu: 41.5, latency_ms: 120 }, { host_region: 'eu-west' }, false],
      ['csv', { cpu: 43, latency_ms: 118 }, { host_region: 'eu-west' }, false],
      ['csv', { latency_ms: 121 }, { host_region: 'eu-west' }, false],
      ['csv', { cpu: 97.8, latency_ms: 640 }, { host_region: 'eu-west' }, true],
      ['csv', { cpu: 42.1 }, { host_region: 'eu-west, rack 2' }, false],
    ],
  );
  assert.equal(items[0]?.record.ts, Date.parse('2024-06-03T08:00:00Z'));
});

test('plain CSV: --ts-column names the time column; without it the error says what to do', async () => {
  const path = fixture('plain/observed.csv');
  await assert.rejects(openDelimited(path, { entity: 'o' }), {
    code: 'VIGIL_REPLAY_BAD_INPUT',
    message: /no time column among \[observed_at, flow, pressure\].*--ts-column/,
  });
  const file = await openDelimited(path, { entity: 'o', tsColumn: 'observed_at' });
  assert.equal(file.dialect.delimiter, '\t');
  const items = await readAll(path, { entity: 'o', tsColumn: 'observed_at' });
  assert.deepEqual(
    items.map((i) => [i.record.ts, i.record.values, i.label]),
    [
      [1_717_401_600_000, { flow: 101.2, pressure: 0.81 }, undefined],
      [1_717_401_660_000, { flow: 99.8, pressure: 0.8 }, undefined],
      [1_717_401_720_000, { flow: 100.4, pressure: 0.82 }, undefined],
    ],
  );
  await assert.rejects(openDelimited(path, { entity: 'o', tsColumn: 'nope' }), {
    code: 'VIGIL_REPLAY_BAD_INPUT',
    message: /time column "nope" is not among/,
  });
});

test('a bad timestamp or label fails with the file and row', async () => {
  const path = join(tmpdir(), `replay-bad-${process.pid}.csv`);
  await writeFile(path, 'ts,x\n2024-06-03T00:00:00Z,1\nnot-a-time,2\n');
  await assert.rejects(readAll(path, { entity: 'b' }), {
    code: 'VIGIL_REPLAY_BAD_INPUT',
    message: new RegExp(`${path}: data row 1: "not-a-time" in column ts is not a timestamp`),
  });
  await writeFile(path, 'ts,x,anomaly\n2024-06-03T00:00:00Z,1,maybe\n');
  await assert.rejects(readAll(path, { entity: 'b' }), {
    code: 'VIGIL_REPLAY_BAD_INPUT',
    message: /data row 0: label column anomaly holds "maybe"/,
  });
  await writeFile(path, 'ts,x\n2024-06-03T00:00:00Z,1,3\n');
  await assert.rejects(readAll(path, { entity: 'b' }), {
    code: 'VIGIL_REPLAY_BAD_INPUT',
    message: /data row 0 has 3 cells, the header has 2/,
  });
  await assert.rejects(readAll(join(tmpdir(), 'replay-no-such.csv'), { entity: 'b' }), {
    code: 'VIGIL_REPLAY_BAD_INPUT',
    message: /cannot open/,
  });
});

if (DATASETS) {
  test('real SKAB file: every row, eight sensors, labels only beside', async () => {
    const items = await readAll(join(DATASETS, 'skab/data/valve1/0.csv'), { entity: 'skab/valve1/0' });
    assert.equal(items.length, 1147);
    for (const { record } of items) assert.deepEqual(Object.keys(record.values), SKAB_SENSORS);
    assert.equal(items.filter((i) => i.label?.anomaly).length, 401);
    assert.equal(items.filter((i) => i.label?.changepoint).length, 4);
    assert.equal(items[0]?.record.ts, Date.UTC(2020, 2, 9, 10, 14, 33));
    assert.equal(items.at(-1)?.record.ts, Date.UTC(2020, 2, 9, 10, 34, 32));
  });

  test('real Microsoft file: every row, Label beside, empty readings left out', async () => {
    const path = join(DATASETS, 'ms-cloud-monitoring/data/application-crash-rate-1/app1-04.csv');
    const items = await readAll(path, { entity: 'ms-cloud-monitoring/application-crash-rate-1/app1-04' });
    assert.equal(items.length, 710);
    assert.equal(items.filter((i) => i.label?.anomaly).length, 181);
    assert.equal(items.filter((i) => Object.keys(i.record.values).length === 0).length, 5);
    for (const { record } of items) {
      assert.ok(
        Object.keys(record.values).every((k) => k === 'Value'),
        record.id,
      );
    }
  });
}
