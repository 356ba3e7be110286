import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
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

test('symbolic links to CSV files and to folders are followed, a loop is walked once', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-replay-links-'));
  try {
    const runs = join(dir, 'runs');
    await mkdir(join(dir, 'elsewhere', 'deep'), { recursive: true });
    await mkdir(runs);
    await writeFile(join(dir, 'elsewhere', 'a.csv'), 'ts,v\n1,2\n');
    await writeFile(join(dir, 'elsewhere', 'deep', 'b.csv'), 'ts,v\n1,2\n');
    await symlink(join(dir, 'elsewhere', 'a.csv'), join(runs, 'linked.csv'));
    await symlink(join(dir, 'elsewhere', 'deep'), join(runs, 'folder'));
    await symlink(runs, join(runs, 'loop'));
    await symlink(join(dir, 'elsewhere', 'a.csv'), join(runs, 'notes.txt'));
    const files = await listInputFiles(runs);
    assert.deepEqual(
      files.map((f) => f.entity),
      ['runs/folder/b', 'runs/linked'],
    );
    assert.equal(files[1]?.path, join(runs, 'linked.csv'));
    assert.deepEqual(
      (await listInputFiles(join(runs, 'linked.csv'))).map((f) => f.entity),
      ['linked'],
    );
    await symlink(join(dir, 'gone.csv'), join(runs, 'broken.csv'));
    await assert.rejects(listInputFiles(runs), {
      code: 'VIGIL_REPLAY_BAD_INPUT',
      message: `dataset file ${join(runs, 'broken.csv')} is a broken symbolic link`,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
