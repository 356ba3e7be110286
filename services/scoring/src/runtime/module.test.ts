import assert from 'node:assert/strict';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Score } from '@vigil/contracts';
import { loadModuleBundle, type ModuleResult, memorySource, type ScoreFromResult } from './index.ts';
import {
  type JsonObject,
  REFERENCE_JSON,
  rulesManifest,
  SELF_TEST_EXPECTED,
  SELF_TEST_RECORDS,
  writeBundle,
} from './test-bundle.ts';

let root: string;
let n = 0;
const fresh = () => join(root, `b${n++}`);

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'vigil-runtime-'));
});
after(() => rm(root, { recursive: true, force: true }));

describe('loadModuleBundle', () => {
  it('loads a valid bundle, passes its selfTest and scores like the kit', async () => {
    const dir = fresh();
    await writeBundle(dir);
    const module = await loadModuleBundle(dir);
    try {
      assert.equal(module.name, 'unit-rules');
      assert.deepEqual(module.columns, ['a', 'b', 'f', 'a__diff1', 'mode=x']);
      const results = await module.scoreBatch(SELF_TEST_RECORDS);
      assert.deepEqual(
        results.map((r) => ({ ...r, module: undefined, thresholds: undefined })),
        SELF_TEST_EXPECTED.map((e) => ({ ...e, module: undefined, thresholds: undefined })),
      );
      assert.equal(module.historySize, 1);
      // A ModuleResult plus the service's fields type-checks as a vigil.Score, without a cast.
      const withService: ScoreFromResult = {
        ...(results[0] as ModuleResult),
        model: 'm',
        version: '1',
        alias: 'published',
        latencyMs: 1,
      };
      const score: Score = withService;
      assert.equal(score.verdict, 'NORMAL');
    } finally {
      await module.close();
    }
  });

  it('keeps each entity its own history across batches, in arrival order', async () => {
    const dir = fresh();
    await writeBundle(dir);
    const module = await loadModuleBundle(dir);
    try {
      const rec = (entity: string, a: number) => ({ entity, ts: 0, values: { a, b: 1 } });
      const first = await module.scoreBatch([rec('p1', 0), rec('p2', 100)]);
      const second = await module.scoreBatch([rec('p2', 100), rec('p1', 6), rec('p1', 6)]);
      assert.deepEqual(
        [...first, ...second].map((r) => r.raw),
        [0, 1, 1, 0.6, 0],
      );
      const snapshot = module.exportHistory();
      assert.deepEqual(snapshot.entities, { p2: [[100, 1, null]], p1: [[6, 1, null]] });
      module.resetHistory();
      assert.equal(module.historySize, 0);
      assert.equal(module.importHistory(snapshot), 2);
      assert.deepEqual((await module.scoreBatch([rec('p1', 12.5)]))[0]?.contributors, [
        { signal: 'a-high', weight: 1 },
        { signal: 'a-jump', weight: 0.6 },
      ]);
    } finally {
      await module.close();
    }
  });

  it('drops the least recently seen entity past maxEntities', async () => {
    const dir = fresh();
    await writeBundle(dir);
    const module = await loadModuleBundle(dir, { maxEntities: 2 });
    try {
      const rec = (entity: string) => ({ entity, ts: 0, values: { a: 0 } });
      await module.scoreBatch([rec('p1'), rec('p2'), rec('p1'), rec('p3')]);
      assert.deepEqual(Object.keys(module.exportHistory().entities), ['p1', 'p3']);
    } finally {
      await module.close();
    }
  });

  it('reads values that are absent, null or not numbers as missing', async () => {
    const dir = fresh();
    await writeBundle(dir);
    const module = await loadModuleBundle(dir);
    try {
      const values = { a: 1, b: null, constructor: 3 } as unknown as Record<string, number>;
      const [r] = await module.scoreBatch([{ entity: 'p', ts: 0, values }]);
      assert.deepEqual(r?.contributors, [{ signal: 'b-silent', weight: 0.8 }]);
    } finally {
      await module.close();
    }
  });

  it('gives a MISSING result naming every element for a host failure', async () => {
    const dir = fresh();
    await writeBundle(dir);
    const module = await loadModuleBundle(dir);
    await module.close();
    const missing = module.missingResult('MODULE_TIMEOUT');
    assert.equal(missing.verdict, 'MISSING');
    assert.deepEqual(missing.elements, [
      { name: 'checks', kind: 'rules', raw: null, calibrated: null, missingReason: 'MODULE_TIMEOUT' },
    ]);
    await assert.rejects(module.scoreBatch(SELF_TEST_RECORDS), { code: 'VIGIL_SCORING_INFERENCE_FAILED' });
    await module.close(); // idempotent
  });

  it('post-processes into the per-entity likelihood and carries its state in the snapshot', async () => {
    const dir = fresh();
    const postprocess = { method: 'likelihood', shortWindow: 2, longAlpha: 0.5, warmup: 5, minStd: 0.01 };
    await writeBundle(dir, { ...rulesManifest(), postprocess }); // selfTest: 3 records, within the warm-up
    const module = await loadModuleBundle(dir);
    try {
      const rec = (a: number) => ({ entity: 'p', ts: 0, values: { a, b: 1 } });
      const results = await module.scoreBatch([0, 0, 0, 0, 0, 20].map(rec));
      assert.deepEqual(
        results.slice(0, 5).map((r) => r.calibrated),
        [0, 0, 0, 0, 0],
      );
      const last = results[5] as ModuleResult;
      assert.equal(last.raw, 1); // a-high fired
      assert.equal(last.calibrated, 1); // (0 + 1) / 2 against a long run of zeros: z far above
      assert.equal(last.verdict, 'ANOMALY');
      const snapshot = module.exportHistory(['p', 'nobody']);
      assert.deepEqual(Object.keys(snapshot.entities), ['p']);
      assert.equal(snapshot.likelihood?.p?.n, 6);
      const next = await loadModuleBundle(dir);
      assert.equal(next.importHistory(JSON.parse(JSON.stringify(snapshot))), 1);
      const [a] = await module.scoreBatch([rec(0)]);
      const [b] = await next.scoreBatch([rec(0)]);
      assert.equal(b?.calibrated, a?.calibrated);
      await next.close();
    } finally {
      await module.close();
    }
  });

  it('loads from files in memory (a download)', async () => {
    const dir = fresh();
    const manifest = await writeBundle(dir);
    const files = new Map([
      ['manifest.json', Buffer.from(JSON.stringify(manifest))],
      ['reference.json', Buffer.from(JSON.stringify(REFERENCE_JSON))],
    ]);
    const module = await loadModuleBundle(memorySource(files, 'download'));
    assert.equal(module.info.module, 'unit-rules');
    assert.deepEqual(module.info.inputs, { values: ['a', 'b'], features: ['f'], attrs: ['mode'] });
    await module.close();
  });
});

describe('loadModuleBundle refuses', () => {
  it('a file whose sha256 differs from the manifest', async () => {
    const dir = fresh();
    await writeBundle(dir);
    await writeFile(join(dir, 'reference.json'), '{"tampered": true}');
    await assert.rejects(loadModuleBundle(dir), { code: 'VIGIL_BUNDLE_HASH_MISMATCH' });
  });

  it('a listed file that is missing', async () => {
    const dir = fresh();
    await writeBundle(dir);
    await unlink(join(dir, 'reference.json'));
    await assert.rejects(loadModuleBundle(dir), { code: 'VIGIL_BUNDLE_FILE_MISSING' });
  });

  it('a folder without manifest.json', async () => {
    await assert.rejects(loadModuleBundle(fresh()), { code: 'VIGIL_BUNDLE_FILE_MISSING' });
  });

  it('a manifest that is not JSON', async () => {
    const dir = fresh();
    await writeBundle(dir);
    await writeFile(join(dir, 'manifest.json'), '{"format": ');
    await assert.rejects(loadModuleBundle(dir), { code: 'VIGIL_BUNDLE_INVALID', message: /not JSON/ });
  });

  it('another format version', async () => {
    const dir = fresh();
    await writeBundle(dir, { ...rulesManifest(), format: 'vigil.module/v2' });
    await assert.rejects(loadModuleBundle(dir), { code: 'VIGIL_BUNDLE_FORMAT', message: /vigil\.module\/v2/ });
  });

  it('a path that leaves the bundle, before reading it', async () => {
    const dir = fresh();
    const manifest = await writeBundle(dir);
    const files = { ...(manifest.files as JsonObject), '../outside.json': 'a'.repeat(64) };
    await writeFile(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, files }));
    await assert.rejects(loadModuleBundle(dir), { code: 'VIGIL_BUNDLE_INVALID', message: /outside\.json/ });
  });

  it('a bundle whose selfTest does not reproduce', async () => {
    const dir = fresh();
    const m = rulesManifest();
    const expectedRows = structuredClone(SELF_TEST_EXPECTED);
    (expectedRows[1] as JsonObject).raw = 0.61;
    await writeBundle(dir, { ...m, selfTest: { tolerance: 1e-5, records: SELF_TEST_RECORDS, expected: expectedRows } });
    await assert.rejects(loadModuleBundle(dir), {
      code: 'VIGIL_BUNDLE_SELF_TEST',
      message: /selfTest record 1: raw is 0\.6, expected 0\.61/,
    });
    const module = await loadModuleBundle(dir, { selfTest: false });
    await module.close();
  });

  it('a bundle whose reference.json is not JSON', async () => {
    const dir = fresh();
    await writeBundle(dir, rulesManifest(), { 'reference.json': 'nope' });
    await assert.rejects(loadModuleBundle(dir), { code: 'VIGIL_BUNDLE_INVALID', message: /reference\.json/ });
  });
});
