/**
 * Inference cost per row, batched and unbatched, of each element kind's ONNX model in
 * onnxruntime-node against onnxruntime in Python on the same model, rows and batch size, in one run.
 *
 *   node --import tsx bench/src/inference.ts [--bundles science/build] [--rows 10000]
 *        [--unbatched-rows 2000] [--batches 500,1] [--repeat 5] [--rounds 3]
 *
 * Models and rows come from the reference modules: `--bundles` holds `bundles/<module>/` and
 * `fixtures/<module>.json` (built with `python -m vigil_science build-reference` when absent).
 * Rows are the fixtures' element input vectors (float64, before the ONNX cast), tiled to `--rows`.
 * Sessions are the runtime's (one intra-op and one inter-op thread, sequential); one `run` per
 * batch. TypeScript and Python alternate (`--rounds` times per model), never at the same time. A second table gives the
 * whole module (pre-processing, every element, calibration, verdict) per row in TypeScript.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { loadModuleBundle, type ScoringRecord } from '@vigil/scoring/runtime';
import { REPO_ROOT } from '@vigil/test-kit';
import * as ort from 'onnxruntime-node';
import { benchArgs } from './lib/args.ts';
import { median, saveResults } from './lib/results.ts';
import { formatNumber, renderTable } from './lib/table.ts';

const PYTHON = join(REPO_ROOT, '.venv/bin/python');
/** One model per element kind (and per predictive dtype): module, element, label. */
const MODELS = [
  { module: 'skab-predictive', element: 'current', label: 'predictive (ridge)' },
  { module: 'skab-predictive', element: 'flow', label: 'predictive (random forest)' },
  { module: 'skab-envelope', element: 'envelope', label: 'elliptic envelope' },
  { module: 'skab-iforest', element: 'iforest', label: 'isolation forest' },
] as const;

const args = benchArgs(import.meta.url, {
  bundles: { type: 'string', default: 'science/build' },
  rows: { type: 'string', default: '10000' },
  'unbatched-rows': { type: 'string', default: '2000' },
  batches: { type: 'string', default: '500,1' },
  repeat: { type: 'string', default: '5' },
  rounds: { type: 'string', default: '3' },
});
const root = resolve(REPO_ROOT, args.bundles);
const rowCount = Number(args.rows);
const unbatchedRows = Number(args['unbatched-rows']);
const batches = args.batches.split(',').map(Number);
const repeat = Math.max(1, Number(args.repeat));
const rounds = Math.max(1, Number(args.rounds));

interface ElementEntry {
  name: string;
  kind: string;
  inputs: string[];
  onnx?: { path: string; input: string; dtype: 'float32' | 'float64'; outputs: { score: string } };
}
interface Fixture {
  rows: { record: ScoringRecord; expected: { inputs: Record<string, (number | null)[]> } }[];
}
interface Model {
  name: string;
  label: string;
  onnx: string;
  columns: number;
  dtype: 'float32' | 'float64';
  input: string;
  output: string;
  rows: string;
  x: Float64Array;
  /** Rows per timed pass, by batch size. */
  rowsPerPass: Record<string, number>;
}

async function ensureBundles(): Promise<void> {
  if (MODELS.every((m) => existsSync(join(root, 'bundles', m.module, 'manifest.json')))) return;
  console.log(`building the reference modules into ${root} (python -m vigil_science build-reference)`);
  await promisify(execFile)(PYTHON, ['-m', 'vigil_science', 'build-reference', '--out', root], { cwd: REPO_ROOT });
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

/** The fixture's finite input vectors of one element, tiled to `rowCount` rows, as float64 row-major. */
function modelOf(spec: (typeof MODELS)[number], work: string): Model {
  const bundle = join(root, 'bundles', spec.module);
  const manifest = readJson<{ elements: ElementEntry[] }>(join(bundle, 'manifest.json'));
  const entry = manifest.elements.find((e) => e.name === spec.element);
  if (entry?.onnx === undefined) throw new Error(`${spec.module} has no ONNX element ${spec.element}`);
  const fixture = readJson<Fixture>(join(root, 'fixtures', `${spec.module}.json`));
  const vectors = fixture.rows
    .map((r) => r.expected.inputs[spec.element] ?? [])
    .filter((v): v is number[] => v.length === entry.inputs.length && v.every((x) => typeof x === 'number'));
  const f = entry.inputs.length;
  const x = new Float64Array(rowCount * f);
  for (let i = 0; i < rowCount; i++) x.set(vectors[i % vectors.length] as number[], i * f);
  const rows = join(work, `${spec.module}-${spec.element}.f64`);
  writeFileSync(rows, Buffer.from(x.buffer));
  return {
    name: `${spec.module}/${spec.element}`,
    label: spec.label,
    onnx: join(bundle, entry.onnx.path),
    columns: f,
    dtype: entry.onnx.dtype,
    input: entry.onnx.input,
    output: entry.onnx.outputs.score,
    rows,
    x,
    rowsPerPass: {},
  };
}

/** Seconds to score `n` rows of `x` in batches of `batch`, one session.run per batch. */
async function onePass(
  session: ort.InferenceSession,
  m: Model,
  x: Float32Array | Float64Array,
  n: number,
  batch: number,
) {
  const f = m.columns;
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i += batch) {
    const k = Math.min(batch, n - i);
    await session.run({ [m.input]: new ort.Tensor(m.dtype, x.subarray(i * f, (i + k) * f), [k, f]) }, [m.output]);
  }
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/**
 * Rows per pass for each batch size: `--rows` batched; unbatched at most `--unbatched-rows`, fewer
 * for slow models so that a pass stays near half a second (both sides use the same counts).
 */
async function rowsPerPass(m: Model): Promise<Record<string, number>> {
  const session = await createSession(m);
  const x = m.dtype === 'float32' ? Float32Array.from(m.x) : m.x;
  const probe = Math.min(rowCount, 50);
  await onePass(session, m, x, probe, 1);
  const usPerRow = ((await onePass(session, m, x, probe, 1)) / probe) * 1e6;
  await session.release();
  const unbatched = Math.max(50, Math.min(rowCount, unbatchedRows, Math.round(500_000 / usPerRow)));
  return Object.fromEntries(batches.map((b) => [String(b), b > 1 ? rowCount : unbatched]));
}

function createSession(m: Model): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(m.onnx, {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
  });
}

async function measureNode(m: Model): Promise<Record<string, number>> {
  const session = await createSession(m);
  const x = m.dtype === 'float32' ? Float32Array.from(m.x) : m.x;
  const out: Record<string, number> = {};
  for (const batch of batches) {
    const n = m.rowsPerPass[String(batch)] as number;
    await onePass(session, m, x, Math.min(n, 2000), batch); // warm-up
    const times: number[] = [];
    for (let r = 0; r < repeat; r++) times.push(await onePass(session, m, x, n, batch));
    out[String(batch)] = (median(times) / n) * 1e6;
  }
  await session.release();
  return out;
}

function measurePython(models: readonly Model[]): Promise<Record<string, Record<string, number>>> {
  const spec = {
    models: models.map(({ x: _x, label: _l, ...m }) => m),
    batches,
    repeat,
  };
  return new Promise((resolvePy, reject) => {
    const child = spawn(PYTHON, [join(REPO_ROOT, 'bench/python/inference.py')], { stdio: ['pipe', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolvePy(JSON.parse(stdout) as Record<string, Record<string, number>>);
      else reject(new Error(`bench/python/inference.py exited with ${code}`));
    });
    child.stdin.end(JSON.stringify(spec));
  });
}

/** The whole module per row in TypeScript: pre-processing, every element, calibration, verdict. */
async function measureModules(): Promise<{ module: string; batch: number; usPerRow: number }[]> {
  const out: { module: string; batch: number; usPerRow: number }[] = [];
  for (const name of [...new Set(MODELS.map((m) => m.module)), 'skab-rules']) {
    const module = await loadModuleBundle(join(root, 'bundles', name));
    const base = readJson<Fixture>(join(root, 'fixtures', `${name}.json`)).rows.map((r) => r.record);
    const records = Array.from({ length: rowCount }, (_, i) => base[i % base.length] as ScoringRecord);
    for (const batch of batches) {
      const n = batch > 1 ? rowCount : Math.min(rowCount, unbatchedRows, name === 'skab-iforest' ? 200 : unbatchedRows);
      const pass = async () => {
        module.resetHistory();
        const start = process.hrtime.bigint();
        for (let i = 0; i < n; i += batch) await module.scoreBatch(records.slice(i, Math.min(i + batch, n)));
        return Number(process.hrtime.bigint() - start) / 1e9;
      };
      await pass(); // warm-up
      const times: number[] = [];
      for (let r = 0; r < repeat; r++) times.push(await pass());
      out.push({ module: name, batch, usPerRow: (median(times) / n) * 1e6 });
    }
    await module.close();
  }
  return out;
}

await ensureBundles();
const work = mkdtempSync(join(tmpdir(), 'vigil-inference-'));
try {
  const models = MODELS.map((spec) => modelOf(spec, work));
  for (const m of models) m.rowsPerPass = await rowsPerPass(m);
  // TypeScript and Python alternate model by model, `rounds` times, so that a change of load on
  // the machine during the run weighs on both sides alike; each side keeps its median.
  const node: Record<string, Record<string, number>> = {};
  const python: Record<string, Record<string, number>> = {};
  for (const m of models) {
    const ts: Record<string, number>[] = [];
    const py: Record<string, number>[] = [];
    for (let r = 0; r < rounds; r++) {
      ts.push(await measureNode(m));
      py.push((await measurePython([m]))[m.name] ?? {});
    }
    const mid = (runs: Record<string, number>[]) =>
      Object.fromEntries(batches.map((b) => [String(b), median(runs.map((x) => x[String(b)] ?? Number.NaN))]));
    node[m.name] = mid(ts);
    python[m.name] = mid(py);
  }
  const rows = models.flatMap((m) =>
    batches.map((batch) => {
      const ts = node[m.name]?.[String(batch)];
      const py = python[m.name]?.[String(batch)];
      return { m, batch, ts, py, ratio: ts !== undefined && py !== undefined ? ts / py : undefined };
    }),
  );
  console.log(
    `\nONNX inference per row (onnxruntime-node ${ort.env.versions.node} vs onnxruntime in Python; ${rowCount} rows per pass batched, up to ${unbatchedRows} unbatched; median of ${repeat} passes × ${rounds} rounds)\n`,
  );
  console.log(
    renderTable(
      [
        { header: 'model', cell: (r) => `${r.m.label} ${r.m.name}` },
        { header: 'dtype', cell: (r) => r.m.dtype },
        { header: 'F', align: 'right', cell: (r) => r.m.columns },
        { header: 'batch', align: 'right', cell: (r) => r.batch },
        { header: 'rows', align: 'right', cell: (r) => r.m.rowsPerPass[String(r.batch)] },
        { header: 'TS µs/row', align: 'right', cell: (r) => formatNumber(r.ts, 2) },
        { header: 'Python µs/row', align: 'right', cell: (r) => formatNumber(r.py, 2) },
        { header: 'TS/Python', align: 'right', cell: (r) => formatNumber(r.ratio, 2) },
      ],
      rows,
    ),
  );
  const modules = await measureModules();
  console.log('\nWhole module per row in TypeScript (pre-processing, elements, calibration, verdict, results)\n');
  console.log(
    renderTable(
      [
        { header: 'module', cell: (r) => r.module },
        { header: 'batch', align: 'right', cell: (r) => r.batch },
        { header: 'µs/row', align: 'right', cell: (r) => formatNumber(r.usPerRow, 2) },
        { header: 'rows/s', align: 'right', cell: (r) => formatNumber(1e6 / r.usPerRow) },
      ],
      modules,
    ),
  );
  const file = await saveResults('inference', {
    settings: { rows: rowCount, unbatchedRows, batches, repeat, rounds, bundles: root },
    onnx: rows.map((r) => ({
      model: r.m.name,
      label: r.m.label,
      dtype: r.m.dtype,
      columns: r.m.columns,
      batch: r.batch,
      tsUsPerRow: r.ts,
      pythonUsPerRow: r.py,
      ratio: r.ratio,
    })),
    modules,
  });
  console.log(`\nresults: ${file}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
