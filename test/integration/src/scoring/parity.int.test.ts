/**
 * Parity: the TypeScript runtime reproduces the Python reference scorer (vigil_science.runtime)
 * within the fixtures' tolerance (1e-5) on every reference module: each element's raw and
 * calibrated score, the module's combined and calibrated score, the verdict and the contributors.
 * The kit builds the modules and writes the fixtures; nothing here is mocked.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  compileExpr,
  loadModuleBundle,
  type ModuleResult,
  RuleError,
  type ScienceModule,
  type ScoringRecord,
} from '@vigil/scoring/runtime';
import { datasetsDir, REPO_ROOT } from '@vigil/test-kit';

const run = promisify(execFile);
const PYTHON = join(REPO_ROOT, '.venv/bin/python');
const MODULES: string[] = readdirSync(join(REPO_ROOT, 'science/modules'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => (JSON.parse(readFileSync(join(REPO_ROOT, 'science/modules', f), 'utf8')) as { module: string }).module)
  .sort();
const work = mkdtempSync(join(tmpdir(), 'vigil-parity-'));

interface Expected {
  raw: number | null;
  calibrated: number | null;
  verdict: string;
  missingReason: string | null;
  elements: {
    name: string;
    kind: string;
    raw: number | null;
    calibrated: number | null;
    missingReason: string | null;
  }[];
  contributors: { signal: string; weight: number }[];
}
interface Fixture {
  format: string;
  module: string;
  manifestSha256: string;
  tolerance: number;
  entities: string[];
  rows: { record: ScoringRecord; expected: Expected }[];
}

async function python(args: string[]): Promise<string> {
  const { stdout } = await run(PYTHON, args, { cwd: REPO_ROOT, maxBuffer: 64 << 20 });
  return stdout;
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const bundleDir = (module: string) => join(work, 'bundles', module);

/** Every difference between the runtime's results and the kit's, as readable lines. */
function differences(results: readonly ModuleResult[], fixture: Fixture): string[] {
  const tol = fixture.tolerance;
  const out: string[] = [];
  const num = (where: string, a: number | null, b: number | null) => {
    if ((a === null) !== (b === null) || (a !== null && b !== null && !(Math.abs(a - b) <= tol))) {
      out.push(`${where}: ${a} (TypeScript) vs ${b} (Python)`);
    }
  };
  const same = (where: string, a: unknown, b: unknown) => {
    if (a !== b) out.push(`${where}: ${String(a)} (TypeScript) vs ${String(b)} (Python)`);
  };
  assert.equal(results.length, fixture.rows.length);
  fixture.rows.forEach(({ record, expected: want }, i) => {
    const got = results[i] as ModuleResult;
    const at = `row ${i} (${record.entity} ts ${record.ts})`;
    num(`${at} raw`, got.raw, want.raw);
    num(`${at} calibrated`, got.calibrated, want.calibrated);
    same(`${at} verdict`, got.verdict, want.verdict);
    same(`${at} missingReason`, got.missingReason, want.missingReason);
    same(`${at} element count`, got.elements.length, want.elements.length);
    want.elements.forEach((w, k) => {
      const g = got.elements[k];
      same(`${at} element ${k} name`, g?.name, w.name);
      num(`${at} ${w.name}.raw`, g?.raw ?? null, w.raw);
      num(`${at} ${w.name}.calibrated`, g?.calibrated ?? null, w.calibrated);
      same(`${at} ${w.name}.missingReason`, g?.missingReason, w.missingReason);
    });
    same(
      `${at} contributors`,
      got.contributors.map((c) => c.signal).join(','),
      want.contributors.map((c) => c.signal).join(','),
    );
    want.contributors.forEach((c, k) => {
      num(`${at} contributor ${c.signal}`, got.contributors[k]?.weight ?? null, c.weight);
    });
  });
  return out;
}

function assertParity(results: readonly ModuleResult[], fixture: Fixture, what: string): void {
  const diffs = differences(results, fixture);
  assert.deepEqual(diffs.slice(0, 10), [], `${what}: ${diffs.length} difference(s) over ${fixture.rows.length} rows`);
}

/** Scores the fixture's records in order, in chunks of `size` (Infinity = one batch). */
async function scoreInChunks(module: ScienceModule, fixture: Fixture, size: number): Promise<ModuleResult[]> {
  module.resetHistory();
  const records = fixture.rows.map((r) => r.record);
  const out: ModuleResult[] = [];
  for (let i = 0; i < records.length; i += Math.min(size, records.length)) {
    out.push(...(await module.scoreBatch(records.slice(i, i + size))));
  }
  return out;
}

/** `parity-fixture` of 150 rows per file of `otherData` from row 300, a share of values left out. */
async function otherFixture(bundle: string, out: string, missingShare: number): Promise<Fixture> {
  const args = ['--bundle', bundle, '--data', otherData, '--rows', '150', '--start', '300'];
  await python([
    '-m',
    'vigil_science',
    'parity-fixture',
    ...args,
    '--missing-share',
    String(missingShare),
    '--out',
    out,
  ]);
  return readJson<Fixture>(out);
}

/** Trains a module with the kit: the envelope reference config with `patch`, on SKAB's protocol data. */
async function trainExtra(module: string, patch: Record<string, unknown>): Promise<string> {
  const datasets = datasetsDir();
  const data = datasets ? join(datasets, 'skab/data') : join(work, 'generated/skab-like');
  const config = readJson<Record<string, unknown>>(join(REPO_ROOT, 'science/modules/skab-envelope.json'));
  const cfgPath = join(work, `${module}.config.json`);
  writeFileSync(cfgPath, JSON.stringify({ ...config, module, ...patch }));
  const bundle = join(work, 'bundles-extra', module);
  const selection = ['--full-data', join(data, 'anomaly-free'), '--first-rows', '400', '--out', bundle];
  const train = [
    '-m',
    'vigil_science',
    'train',
    '--config',
    cfgPath,
    '--data',
    join(data, datasets ? 'valve1' : 'valve'),
  ];
  await python([...train, ...selection]);
  return bundle;
}

let origin = '';
let otherData = '';

before(async () => {
  const datasets = datasetsDir();
  origin = datasets ? `real SKAB under ${datasets}` : 'generated SKAB-like telemetry (VIGIL_DATASETS is unset)';
  await python(['-m', 'vigil_science', 'build-reference', '--out', work]);
  otherData = datasets ? join(datasets, 'skab/data/valve2') : join(work, 'generated/skab-like/valve');
});
after(() => rmSync(work, { recursive: true, force: true }));

describe('TypeScript runtime against the Python reference scorer', () => {
  it('builds every reference module with the kit', (t) => {
    t.diagnostic(`reference modules trained on ${origin}`);
    assert.ok(MODULES.length >= 4, `reference modules: ${MODULES.join(', ')}`);
    for (const m of MODULES) assert.ok(readdirSync(bundleDir(m)).includes('manifest.json'), m);
  });

  for (const name of MODULES) {
    describe(name, () => {
      let module: ScienceModule;
      before(async () => {
        module = await loadModuleBundle(bundleDir(name));
      });
      after(() => module?.close());

      it('reproduces the build-reference fixture (entities interleaved around an anomaly)', async () => {
        const fixture = readJson<Fixture>(join(work, 'fixtures', `${name}.json`));
        assert.equal(fixture.format, 'vigil.parity/v1');
        assert.equal(fixture.manifestSha256, module.manifestSha256);
        assert.ok(fixture.rows.length >= 200 && fixture.entities.length >= 1);
        assertParity(await scoreInChunks(module, fixture, Number.POSITIVE_INFINITY), fixture, name);
      });

      it('reproduces a parity-fixture of other files with 5 % of values left out, whatever the batch size', async () => {
        const out = join(work, `${name}-other.json`);
        const fixture = await otherFixture(bundleDir(name), out, 0.05);
        assert.ok(fixture.entities.length >= 2, 'several entities, interleaved');
        const absent = fixture.rows.filter(
          (r) => Object.keys(r.record.values).length < module.info.inputs.values.length,
        );
        assert.ok(absent.length > 0, 'some records miss values');
        for (const size of [Number.POSITIVE_INFINITY, 1, 7]) {
          assertParity(await scoreInChunks(module, fixture, size), fixture, `${name} in batches of ${size}`);
        }
      });
    });
  }

  it('reproduces a module with the likelihood post-processing, per entity', async () => {
    const bundle = await trainExtra('skab-envelope-likelihood', {
      postprocess: { shortWindow: 5, longAlpha: 0.01, warmup: 30 },
    });
    const fixture = await otherFixture(bundle, join(work, 'envelope-likelihood-fixture.json'), 0.02);
    const module = await loadModuleBundle(bundle);
    try {
      assert.equal(module.manifest.postprocess?.warmup, 30);
      // past the warm-up the module's calibrated score is the likelihood, not the combined score's ECDF
      const moved = fixture.rows.filter((r) => r.expected.calibrated !== r.expected.elements[0]?.calibrated);
      assert.ok(moved.length > 100, `${moved.length} rows post-processed`);
      for (const size of [Number.POSITIVE_INFINITY, 1, 13]) {
        assertParity(await scoreInChunks(module, fixture, size), fixture, `likelihood module in batches of ${size}`);
      }
    } finally {
      await module.close();
    }
  });

  it('reproduces a module with an online element that learns per entity, beside an envelope', async () => {
    const envelope = readJson<{ elements: unknown[] }>(join(REPO_ROOT, 'science/modules/skab-envelope.json'));
    const bundle = await trainExtra('skab-online', {
      elements: [{ name: 'online', kind: 'online', inputs: '*', alpha: 0.05, warmup: 5 }, ...envelope.elements],
      combine: { method: 'max', calibrate: true },
    });
    const fixture = await otherFixture(bundle, join(work, 'online-fixture.json'), 0.05);
    const module = await loadModuleBundle(bundle);
    try {
      const warming = fixture.rows.filter((r) => r.expected.elements[0]?.missingReason === 'WARMING_UP');
      assert.equal(warming.length, 5 * fixture.entities.length, 'the first 5 records of each entity warm up');
      for (const size of [Number.POSITIVE_INFINITY, 1, 13]) {
        assertParity(await scoreInChunks(module, fixture, size), fixture, `online module in batches of ${size}`);
      }
      // carried over through a snapshot (as the service persists it), the state scores the same
      const half = Math.floor(fixture.rows.length / 2);
      const records = fixture.rows.map((r) => r.record);
      module.resetHistory();
      const first = await module.scoreBatch(records.slice(0, half));
      const next = await loadModuleBundle(bundle);
      next.importHistory(JSON.parse(JSON.stringify(module.exportHistory())));
      const rest = await next.scoreBatch(records.slice(half));
      await next.close();
      assertParity([...first, ...rest], fixture, 'online module across a state snapshot');
    } finally {
      await module.close();
    }
  });

  it('loads a zipped bundle with the same scores', async () => {
    const name = 'skab-predictive';
    const zip = join(work, `${name}.zip`);
    await python([
      '-c',
      `from pathlib import Path; from vigil_science.bundle import zip_bundle; zip_bundle(Path(${JSON.stringify(bundleDir(name))}), Path(${JSON.stringify(zip)}))`,
    ]);
    const module = await loadModuleBundle(zip);
    try {
      const fixture = readJson<Fixture>(join(work, 'fixtures', `${name}.json`));
      assertParity(await scoreInChunks(module, fixture, 64), fixture, `${name} from a zip`);
    } finally {
      await module.close();
    }
  });

  it('evaluates the kit rules conformance cases alike and refuses the same invalid expressions', () => {
    const cases = readJson<{
      columns: string[];
      cases: { row: Record<string, number | null>; expr: unknown; type: string; expected: number | boolean | null }[];
      invalid: { expr: unknown }[];
    }>(join(work, 'fixtures', 'rules-cases.json'));
    const index = new Map(cases.columns.map((c, i) => [c, i]));
    assert.ok(cases.cases.length > 50);
    for (const c of cases.cases) {
      const row = Float64Array.from(cases.columns, (col) => c.row[col] ?? Number.NaN);
      const compiled = compileExpr(c.expr, index);
      const got = compiled.fn(row, 0);
      const want = c.expected === null ? Number.NaN : c.expected;
      assert.equal(compiled.type, c.type, JSON.stringify(c.expr));
      assert.ok(
        Object.is(got, want) || got === want,
        `${JSON.stringify(c.expr)} on ${JSON.stringify(c.row)}: ${got} vs ${want}`,
      );
    }
    for (const { expr } of cases.invalid)
      assert.throws(() => compileExpr(expr, index), RuleError, JSON.stringify(expr));
  });
});
