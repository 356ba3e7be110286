/**
 * How to isolate science modules: worker threads against child processes, measured on the
 * scoring service's own module host (services/scoring/src/isolation) with the reference modules.
 *
 *   node --import tsx bench/src/scoring-isolation.ts [--bundles science/build] [--batches 1,100,1000]
 *        [--calls 200] [--hosts 4] [--heap-mb 64]
 *
 * For each kind: start-up (spawn, load, verify: hashes, self test, test inference), resident
 * memory added per loaded module, the round trip of a batch against the same module called in
 * the service's own thread (what isolation costs per batch), and what a module that allocates
 * without bound does: how the failure is reported, how long it takes, whether the service's event
 * loop notices. Needs the reference bundles (`python -m vigil_science build-reference`, run here
 * when absent); no Kafka, no MLflow.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { createLogger } from '@vigil/logging';
import { ISOLATE_KINDS, IsolatedModuleHost, type IsolateKind } from '@vigil/scoring';
import { loadModuleBundle, type ScoringRecord } from '@vigil/scoring/runtime';
import { REPO_ROOT } from '@vigil/test-kit';
import { sleep } from '@vigil/timing';
import { benchArgs } from './lib/args.ts';
import { median, saveResults } from './lib/results.ts';
import { type Column, formatNumber, renderTable } from './lib/table.ts';

const args = benchArgs(import.meta.url, {
  bundles: { type: 'string', default: 'science/build' },
  batches: { type: 'string', default: '1,100,1000' },
  calls: { type: 'string', default: '200' },
  hosts: { type: 'string', default: '4' },
  'heap-mb': { type: 'string', default: '64' },
});
const root = resolve(REPO_ROOT, args.bundles);
const batchSizes = args.batches.split(',').map(Number);
const calls = Number(args.calls);
const hostCount = Number(args.hosts);
const heapMb = Number(args['heap-mb']);
const MODULE = 'skab-predictive';
const logger = createLogger({ service: 'bench', level: 'silent' });

async function ensureBundles(): Promise<void> {
  if (existsSync(join(root, 'bundles', MODULE, 'manifest.json'))) return;
  process.stderr.write(`building the reference modules into ${root} (about a minute)\n`);
  await promisify(execFile)(
    join(REPO_ROOT, '.venv/bin/python'),
    ['-m', 'vigil_science', 'build-reference', '--out', root],
    { cwd: REPO_ROOT, maxBuffer: 16 * 2 ** 20 },
  );
}

/** Records of the module's parity fixture (real rows of one entity each), tiled to `n`. */
function records(n: number): ScoringRecord[] {
  const fixture = JSON.parse(readFileSync(join(root, 'fixtures', `${MODULE}.json`), 'utf8')) as {
    rows: { record: ScoringRecord }[];
  };
  return Array.from({ length: n }, (_, i) => fixture.rows[i % fixture.rows.length]?.record as ScoringRecord);
}

function host(kind: IsolateKind, options: { fault?: 'oom'; timeoutMs?: number } = {}): IsolatedModuleHost {
  return new IsolatedModuleHost({
    model: MODULE,
    alias: 'bench',
    version: '1',
    dir: join(root, 'bundles', MODULE),
    isolation: kind,
    timeoutMs: options.timeoutMs ?? 30_000,
    loadTimeoutMs: 60_000,
    maxHeapMb: heapMb,
    restartBackoffMaxMs: 60_000,
    fault: options.fault ?? null,
    logger,
  });
}

function rssMb(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Resident memory of this process plus that of every child-process isolate. */
function totalRssMb(hosts: readonly IsolatedModuleHost[]): number {
  const children = hosts.flatMap((h) => (h.isolateId?.kind === 'process' ? [h.isolateId.id] : []));
  return rssMb(process.pid) + children.reduce((sum, pid) => sum + rssMb(pid), 0);
}

interface KindResult {
  kind: IsolateKind;
  startupMs: number;
  rssPerModuleMb: number;
  /** Per batch size: median round trip and service-thread busy time per batch, isolated and in the service's thread. */
  batches: {
    size: number;
    isolated: { wallMs: number; busyMs: number };
    inThread: { wallMs: number; busyMs: number };
  }[];
  oom: { reason: string; detectedMs: number; maxLoopDelayMs: number; serviceAlive: boolean };
}

/** Median wall time of a call, and the service thread's busy time per call (event-loop utilisation). */
async function timeCalls(score: () => Promise<unknown>): Promise<{ wallMs: number; busyMs: number }> {
  const times: number[] = [];
  const elu = performance.eventLoopUtilization();
  for (let i = 0; i < calls; i++) {
    const started = performance.now();
    await score();
    times.push(performance.now() - started);
  }
  return { wallMs: median(times), busyMs: performance.eventLoopUtilization(elu).active / calls };
}

async function measure(kind: IsolateKind): Promise<KindResult> {
  // Start-up and memory: `hostCount` modules, started one after the other.
  global.gc?.();
  await sleep(200);
  const before = totalRssMb([]);
  const hosts: IsolatedModuleHost[] = [];
  const startups: number[] = [];
  for (let i = 0; i < hostCount; i++) {
    const h = host(kind);
    const started = performance.now();
    await h.start();
    startups.push(performance.now() - started);
    hosts.push(h);
  }
  await sleep(500);
  const rssPerModuleMb = (totalRssMb(hosts) - before) / hostCount;

  // Per-batch cost: the same module in the isolate and in this thread, batch after batch.
  const inThread = await loadModuleBundle(join(root, 'bundles', MODULE));
  const batches = [];
  for (const size of batchSizes) {
    const rows = records(size);
    const isolated = await timeCalls(() => (hosts[0] as IsolatedModuleHost).score(rows));
    const direct = await timeCalls(() => inThread.scoreBatch(rows));
    batches.push({ size, isolated, inThread: direct });
  }
  await inThread.close();
  await Promise.all(hosts.map((h) => h.close()));

  // A module that allocates without bound: what the host reports, when, and what the service's loop sees.
  const leaky = host(kind, { fault: 'oom', timeoutMs: 60_000 });
  await leaky.start();
  const loop = monitorEventLoopDelay({ resolution: 5 });
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 10);
  loop.enable();
  const started = performance.now();
  const outcome = await leaky.score(records(10));
  const detectedMs = performance.now() - started;
  loop.disable();
  clearInterval(ticker);
  await leaky.close();
  return {
    kind,
    startupMs: median(startups),
    rssPerModuleMb,
    batches,
    oom: {
      reason: outcome.ok ? 'scored (no failure)' : outcome.reason,
      detectedMs,
      maxLoopDelayMs: loop.max / 1e6,
      serviceAlive: ticks > 0,
    },
  };
}

async function main(): Promise<void> {
  await ensureBundles();
  process.stdout.write(
    `module isolation: ${MODULE} (4 ONNX elements), ${hostCount} modules per kind, ${calls} calls per batch size, heap limit ${heapMb} MiB\n`,
  );
  const results: KindResult[] = [];
  for (const kind of ISOLATE_KINDS) {
    process.stderr.write(`  measuring ${kind}s…\n`);
    results.push(await measure(kind));
  }

  const columns: Column<KindResult>[] = [
    { header: 'isolation', cell: (r) => r.kind },
    { header: 'start-up ms', align: 'right', cell: (r) => formatNumber(r.startupMs) },
    { header: 'RSS MB / module', align: 'right', cell: (r) => formatNumber(r.rssPerModuleMb, 1) },
    ...batchSizes.map((size) => ({
      header: `batch ${size}: wall / service-thread ms`,
      align: 'right' as const,
      cell: (r: KindResult) => {
        const b = r.batches.find((x) => x.size === size);
        return b ? `${formatNumber(b.isolated.wallMs, 2)} / ${formatNumber(b.isolated.busyMs, 2)}` : '';
      },
    })),
    { header: 'OOM: reported as', cell: (r) => r.oom.reason },
    { header: 'after ms', align: 'right', cell: (r) => formatNumber(r.oom.detectedMs) },
    { header: 'max loop delay ms', align: 'right', cell: (r) => formatNumber(r.oom.maxLoopDelayMs, 1) },
  ];
  process.stdout.write(`\n${renderTable(columns, results)}\n`);
  const direct = results[0]?.batches ?? [];
  process.stdout.write(
    `in the service's own thread (no isolation): ${direct
      .map((b) => `batch ${b.size}: ${formatNumber(b.inThread.wallMs, 2)} ms`)
      .join(', ')}, all of it on the service thread\n\n`,
  );
  const file = await saveResults('scoring-isolation', {
    settings: { module: MODULE, hostCount, calls, batchSizes, heapMb },
    results,
  });
  process.stdout.write(`results: ${file}\n`);
}

await main();
