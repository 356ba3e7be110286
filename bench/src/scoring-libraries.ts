/**
 * The scoring runtime's bundle zip reader and per-entity LRU map against the hand-written
 * versions they replaced (yauzl for runtime/zip.ts, lru-cache for runtime/entity-map.ts), side
 * by side in one run. The hand-written versions are taken from git at --old (default 9f42db3,
 * the last commit that had them) into a temporary folder; none of their code stays in the tree.
 *
 *   node --import tsx bench/src/scoring-libraries.ts [--old REF] [--bundles science/build]
 *        [--rounds 15] [--lru-ms 300]
 *
 * Zip: each reference bundle zipped by the science kit (`zip_bundle`, deflated) and read whole
 * from memory (`readZip`), old and new alternating, --rounds times after a warm-up; the median
 * ms per read. LRU: `use` (get, or create and insert) on 1 000 entities under the default bound
 * of 100 000 (every use a hit), on 50 000 (hits in a large map), and on 200 000 entities in turn
 * under 100 000 (every use evicts); ns per use, the median of --rounds runs of at least --lru-ms
 * each. Needs the reference bundles (`.venv/bin/python -m vigil_science build-reference --out
 * science/build`) and git; no Kafka, no MLflow.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { REPO_ROOT } from '@vigil/test-kit';
import { EntityMap } from '../../services/scoring/src/runtime/entity-map.ts';
import { readZip } from '../../services/scoring/src/runtime/zip.ts';
import { benchArgs, positiveInt } from './lib/args.ts';
import { median, saveResults } from './lib/results.ts';
import { type Column, formatNumber, renderTable } from './lib/table.ts';

const args = benchArgs(import.meta.url, {
  old: { type: 'string', default: '9f42db3' },
  bundles: { type: 'string', default: 'science/build' },
  rounds: { type: 'string', default: '15' },
  'lru-ms': { type: 'string', default: '300' },
});
const rounds = positiveInt('scoring-libraries', 'rounds', args.rounds);
const lruMs = positiveInt('scoring-libraries', 'lru-ms', args['lru-ms']);
const bundlesDir = join(resolve(REPO_ROOT, args.bundles), 'bundles');
const run = promisify(execFile);

interface Implementations {
  readZip: (zip: Uint8Array, where: string) => Map<string, Uint8Array> | Promise<Map<string, Uint8Array>>;
  EntityMap: new (max: number) => { use(entity: string, create: () => object): object };
}

/** The hand-written modules at `ref`, written beside each other in `dir` and imported. */
async function oldImplementations(ref: string, dir: string): Promise<Implementations> {
  const show = async (path: string) => (await run('git', ['show', `${ref}:${path}`], { cwd: REPO_ROOT })).stdout;
  const errors = pathToFileURL(join(REPO_ROOT, 'packages/errors/src/index.ts')).href;
  const zip = (await show('services/scoring/src/runtime/zip.ts')).replace("from '@vigil/errors'", `from '${errors}'`);
  await writeFile(join(dir, 'zip.ts'), zip);
  await writeFile(join(dir, 'entity-map.ts'), await show('services/scoring/src/runtime/entity-map.ts'));
  const zipModule = (await import(pathToFileURL(join(dir, 'zip.ts')).href)) as Pick<Implementations, 'readZip'>;
  const mapModule = (await import(pathToFileURL(join(dir, 'entity-map.ts')).href)) as Pick<
    Implementations,
    'EntityMap'
  >;
  return { readZip: zipModule.readZip, EntityMap: mapModule.EntityMap };
}

const NEW: Implementations = { readZip, EntityMap };

interface Row {
  part: 'zip' | 'lru';
  case: string;
  unit: 'ms/read' | 'ns/use';
  old: number;
  new: number;
}

async function zipRows(old: Implementations, dir: string): Promise<Row[]> {
  const rows: Row[] = [];
  for (const name of (await readdir(bundlesDir)).sort()) {
    const path = join(dir, `${name}.zip`);
    await run(
      join(REPO_ROOT, '.venv/bin/python'),
      [
        '-c',
        `from pathlib import Path; from vigil_science.bundle import zip_bundle; zip_bundle(Path(${JSON.stringify(join(bundlesDir, name))}), Path(${JSON.stringify(path)}))`,
      ],
      { cwd: REPO_ROOT },
    );
    const bytes = await readFile(path);
    const times: Record<'old' | 'new', number[]> = { old: [], new: [] };
    for (let r = -3; r < rounds; r++) {
      for (const [which, impl] of [
        ['old', old],
        ['new', NEW],
      ] as const) {
        const start = performance.now();
        const files = await impl.readZip(bytes, path);
        const ms = performance.now() - start;
        if (files.size === 0) throw new Error(`${path}: no files read`);
        if (r >= 0) times[which].push(ms);
      }
    }
    const kb = Math.round(bytes.length / 1024);
    rows.push({
      part: 'zip',
      case: `${name} (${kb} KiB)`,
      unit: 'ms/read',
      old: median(times.old),
      new: median(times.new),
    });
  }
  return rows;
}

/** ns per `use` over at least `lruMs`, entities taken in a scattered order. */
function nsPerUse(impl: Implementations, entities: readonly string[], max: number): number {
  const map = new impl.EntityMap(max);
  const n = entities.length;
  for (let i = 0; i < Math.min(n, max); i++) map.use(entities[i] as string, () => ({ i }));
  let uses = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < lruMs) {
    for (let k = 0; k < 10_000; k++, uses++) map.use(entities[(uses * 7919) % n] as string, () => ({ uses }));
    elapsed = performance.now() - start;
  }
  return (elapsed * 1e6) / uses;
}

function lruRows(old: Implementations): Row[] {
  const cases = [
    { case: '1 000 entities, bound 100 000 (hits)', entities: 1_000, max: 100_000 },
    { case: '50 000 entities, bound 100 000 (hits)', entities: 50_000, max: 100_000 },
    { case: '200 000 entities, bound 100 000 (every use evicts)', entities: 200_000, max: 100_000 },
  ];
  return cases.map(({ case: name, entities, max }) => {
    const keys = Array.from({ length: entities }, (_, i) => `skab/valve${i % 10}/${i}`);
    const times: Record<'old' | 'new', number[]> = { old: [], new: [] };
    for (let r = 0; r < rounds; r++) {
      times.old.push(nsPerUse(old, keys, max));
      times.new.push(nsPerUse(NEW, keys, max));
    }
    return { part: 'lru', case: name, unit: 'ns/use', old: median(times.old), new: median(times.new) };
  });
}

if (!existsSync(bundlesDir)) {
  process.stderr.write(
    `scoring-libraries bench: no reference bundles in ${bundlesDir}; build them with\n` +
      `  .venv/bin/python -m vigil_science build-reference --out ${args.bundles}\n`,
  );
  process.exit(2);
}
const dir = await mkdtemp(join(tmpdir(), 'vigil-bench-libraries-'));
try {
  const old = await oldImplementations(args.old, dir);
  const rows = [...(await zipRows(old, dir)), ...lruRows(old)];
  const columns: Column<Row>[] = [
    { header: 'part', cell: (r) => r.part },
    { header: 'case', cell: (r) => r.case },
    { header: 'unit', cell: (r) => r.unit },
    {
      header: `hand-written (${args.old})`,
      align: 'right',
      cell: (r) => formatNumber(r.old, r.part === 'zip' ? 2 : 0),
    },
    { header: 'library', align: 'right', cell: (r) => formatNumber(r.new, r.part === 'zip' ? 2 : 0) },
    { header: 'library / hand-written', align: 'right', cell: (r) => formatNumber(r.new / r.old, 2) },
  ];
  process.stdout.write(`\n${renderTable(columns, rows)}\n\n`);
  const file = await saveResults('scoring-libraries', { old: args.old, rounds, lruMs, rows });
  process.stdout.write(`saved ${file}\n`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
