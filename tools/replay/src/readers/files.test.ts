import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { entityOf, listInputFiles } from './files.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

test('entities are dataset-relative paths without extension', () => {
  assert.equal(entityOf('/d/skab/data/valve1/0.csv', '/d/skab'), 'skab/valve1/0');
  assert.equal(entityOf('/d/skab/data/valve1/0.csv', '/d/skab/data/valve1/0.csv'), 'skab/valve1/0');
  assert.equal(
    entityOf('/x/ms-cloud-monitoring/data/service-unavailable/unavail-01.csv', '/x'),
    'ms-cloud-monitoring/service-unavailable/unavail-01',
  );
  assert.equal(entityOf('/tmp/runs/a/b.csv', '/tmp/runs'), 'runs/a/b');
  assert.equal(entityOf('/tmp/runs/a/b.csv', '/tmp/runs/a/b.csv'), 'b');
});

test('a folder lists its CSV files recursively in natural order', async () => {
  const files = await listInputFiles(FIXTURES);
  assert.deepEqual(
    files.map((f) => f.entity),
    [
      'ms-cloud-monitoring/api-latency/latency-01',
      'ms-cloud-monitoring/api-latency/latency-02',
      'fixtures/plain/hosts',
      'fixtures/plain/observed',
      'skab/anomaly-free/anomaly-free',
      'skab/valve1/1',
    ],
  );
  assert.equal(files.at(-1)?.path, join(FIXTURES, 'skab/data/valve1/1.csv'));
});

test('a missing dataset path is named in the error', async () => {
  await assert.rejects(listInputFiles('/no/such/datasets/skab'), {
    code: 'VIGIL_REPLAY_BAD_INPUT',
    message: 'dataset path /no/such/datasets/skab does not exist',
  });
});
