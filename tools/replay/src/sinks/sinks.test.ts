import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createGenerator } from '../generator.ts';
import { openFileInput } from '../inputs.ts';
import { ANOMALY_KINDS, type LabelledRecord } from '../types.ts';
import { CsvDirSink } from './csv-dir-sink.ts';
import { JsonlSink } from './jsonl-sink.ts';
import { LabelsSink } from './labels-sink.ts';
import { LineWriter } from './line-writer.ts';

const dir = await mkdtemp(join(tmpdir(), 'replay-sinks-'));
after(() => rm(dir, { recursive: true, force: true }));

const START = Date.UTC(2024, 5, 3, 8);
const generated = (): LabelledRecord[] => [
  ...createGenerator({
    entities: 2,
    start: START,
    durationMs: 600_000,
    intervalMs: 1_000,
    seed: 5,
    anomalies: ANOMALY_KINDS,
  }).records(),
];

test('JSON lines hold the input shape with an RFC 3339 ts', async () => {
  const path = join(dir, 'out.jsonl');
  const sink = new JsonlSink(await LineWriter.open(path));
  const records = generated().slice(0, 3);
  await sink.write(records);
  await sink.close();
  const lines = (await readFile(path, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(lines[0], {
    ...records[0]?.record,
    ts: '2024-06-03T08:00:00.000Z',
  });
  assert.equal(lines.length, 3);
});

test('labels: one line per labelled record, nulls where a dataset has no such label', async () => {
  const path = join(dir, 'nested/labels.jsonl');
  const sink = new LabelsSink(await LineWriter.open(path));
  const record = { source: 's', entity: 'e', values: {}, attrs: {} };
  await sink.write([
    { record: { ...record, id: 'e#0', ts: 1 }, label: { anomaly: true, changepoint: false, kind: 'spike' } },
    { record: { ...record, id: 'e#1', ts: 2 } },
    { record: { ...record, id: 'e#2', ts: 3 }, label: { anomaly: false } },
  ]);
  await sink.close();
  assert.deepEqual(
    (await readFile(path, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l)),
    [
      { id: 'e#0', entity: 'e', ts: 1, anomaly: true, changepoint: false, kind: 'spike' },
      { id: 'e#2', entity: 'e', ts: 3, anomaly: false, changepoint: null, kind: null },
    ],
  );
});

test('generated data written as CSV reads back with the same values and labels', async () => {
  const out = join(dir, 'gen');
  const sink = new CsvDirSink(out);
  const records = generated();
  for (let i = 0; i < records.length; i += 100) await sink.write(records.slice(i, i + 100));
  await sink.close();
  const input = await openFileInput(out, { order: 'interleave', retime: { shift: 'none', speedup: 1, now: 0 } });
  assert.deepEqual(
    input.entities.map((e) => [e.entity, e.rows]),
    [
      ['gen/gen/host-02', 600],
      ['gen/gen/pump-01', 600],
    ],
  );
  const back: LabelledRecord[] = [];
  for await (const item of input.records()) back.push(item);
  const key = (r: LabelledRecord) => `${r.record.ts}/${r.record.attrs.asset_type}`;
  const expected = new Map(records.map((r) => [key(r), r]));
  assert.equal(back.length, records.length);
  for (const item of back) {
    const original = expected.get(key(item));
    assert.ok(original);
    assert.deepEqual(item.record.values, original.record.values);
    assert.deepEqual(item.label, original.label);
  }
  assert.ok(back.some((b) => b.label?.kind === 'drift'));
});
