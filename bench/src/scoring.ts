/**
 * Scoring throughput with three science modules against a plain consume → produce passthrough
 * of the same records on the same broker, in one run; then the latency scoring adds at a steady rate.
 *
 *   node --import tsx bench/src/scoring.ts [--records 50000] [--partitions 4] [--repeat 3] [--rate 2000] [--seconds 10]
 *        [--set SCORING_X=value ...] [--profile DIR]
 *
 * Trains three modules with the science kit (predictive, elliptic envelope, rules; on SKAB when
 * VIGIL_DATASETS is set, else on the kit's generated pump telemetry), registers them in MLflow
 * under fresh names with the alias `bench`, and encodes the data's rows, tiled over 40 entities,
 * as `vigil.Alert` records (what alerts.enriched carries).
 *
 * Throughput: the same records preloaded twice; the passthrough (bench/src/passthrough.ts) and
 * the scoring service (services/scoring/src/main.ts, default settings, the three modules) each
 * drain their own copy; the clock runs from the consumer group's join to the last output record.
 * They alternate `--repeat` times (new groups and outputs each round; the machine's other load
 * moves both alike); the table shows medians, the ratio is the median of each round's ratio.
 * Latency: records produced at `--rate` per second for `--seconds` to a running process, each
 * stamped with its send time (`ingestedAt`); added latency = the output record's Kafka timestamp
 * minus that stamp, for the passthrough and for scoring. Peak RSS covers the module threads
 * (they live in the service's process). Needs the local stack.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AvroCodec } from '@vigil/avro';
import type { Alert, ScoredAlert } from '@vigil/contracts';
import { datasetsDir, REPO_ROOT, readSkab, type ServiceProcess, stackEnv, uniqueName } from '@vigil/test-kit';
import { sleep } from '@vigil/timing';
import { benchArgs } from './lib/args.ts';
import {
  type BenchMessage,
  benchGroup,
  benchSession,
  benchTopics,
  type Column,
  connectSession,
  cpuSeconds,
  forgetSubjects,
  formatNumber,
  isRunning,
  meanBytes,
  measureDrain,
  median,
  peakRssMb,
  preload,
  renderTable,
  runBench,
  saveResults,
  startPassthrough,
  startServiceScript,
} from './lib/index.ts';

const args = benchArgs(import.meta.url, {
  records: { type: 'string', default: '50000' },
  partitions: { type: 'string', default: '4' },
  rate: { type: 'string', default: '2000' },
  seconds: { type: 'string', default: '10' },
  repeat: { type: 'string', default: '3' },
  set: { type: 'string', multiple: true, default: [] },
  profile: { type: 'string' },
});
/** With --profile DIR, every measured process writes a V8 CPU profile into DIR when it exits. */
const script = { nodeArgs: args.profile ? ['--cpu-prof', `--cpu-prof-dir=${args.profile}`] : [] };
const records = Number(args.records);
const partitions = Number(args.partitions);
const rate = Number(args.rate);
const pacedSeconds = Number(args.seconds);
const repeat = Math.max(1, Number(args.repeat));
const settings: Record<string, string> = {};
for (const pair of args.set ?? []) {
  const at = pair.indexOf('=');
  if (at > 0) settings[pair.slice(0, at)] = pair.slice(at + 1);
}

const TARGET_RATIO = 0.6;
const MODULES = ['skab-predictive', 'skab-envelope', 'skab-rules'] as const;
const ENTITIES = 40;
const PYTHON = join(REPO_ROOT, '.venv/bin/python');
const run = promisify(execFile);

const session = benchSession('vigil-bench-scoring');
const { kafka, admin, producer, cleanup } = session;
const codec = new AvroCodec({ registryUrl: stackEnv.registryUrl });

/** SKAB's folder (real or generated): the files that train the modules and whose rows become alerts. */
async function dataFolder(work: string): Promise<{ root: string; origin: string }> {
  const datasets = datasetsDir();
  if (datasets) return { root: join(datasets, 'skab/data'), origin: 'SKAB' };
  const root = join(work, 'generated');
  await run(PYTHON, [
    '-c',
    `from pathlib import Path; from vigil_science.generator import generate; generate(Path(${JSON.stringify(root)}))`,
  ]);
  return { root, origin: 'generated pump telemetry (VIGIL_DATASETS is unset)' };
}

/** Rows of every `;` CSV in `root`'s folders (signals only), in file order. */
function rows(root: string): Record<string, number>[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((folder) =>
      readdirSync(join(root, folder.name))
        .filter((f) => f.endsWith('.csv'))
        .flatMap((file) => readSkab(join(root, folder.name, file)).map((row) => row.values)),
    );
}

async function mlflow(method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${stackEnv.mlflowUri}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return response.ok ? response.json() : {};
}

/** Trains and registers the three modules under fresh names (alias `bench`); the cleanup deletes them. */
async function registerModules(root: string, work: string): Promise<string[]> {
  const names: string[] = [];
  for (const module of MODULES) {
    const name = uniqueName(`bench-${module}`);
    cleanup.add(`MLflow model ${name}`, async () => {
      await mlflow('DELETE', '/api/2.0/mlflow/registered-models/delete', { name });
      const found = (await mlflow(
        'GET',
        `/api/2.0/mlflow/experiments/get-by-name?experiment_name=${encodeURIComponent(`vigil-${name}`)}`,
      )) as { experiment?: { experiment_id: string } };
      if (found.experiment)
        await mlflow('POST', '/api/2.0/mlflow/experiments/delete', { experiment_id: found.experiment.experiment_id });
    });
    await run(
      PYTHON,
      [
        '-m',
        'vigil_science',
        'train',
        '--config',
        `science/modules/${module}.json`,
        '--data',
        root,
        '--first-rows',
        '400',
        '--out',
        join(work, name),
        '--register',
        '--alias',
        'bench',
        '--model-name',
        name,
      ],
      { cwd: REPO_ROOT, env: { ...process.env, MLFLOW_TRACKING_URI: stackEnv.mlflowUri }, timeout: 600_000 },
    );
    names.push(name);
  }
  return names;
}

function alertsOf(data: Record<string, number>[], count: number, prefix: string, start = Date.now()): Alert[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `${prefix}-${i}`,
    source: 'bench',
    entity: `pump-${i % ENTITIES}`,
    ts: start + i,
    ingestedAt: start,
    values: data[i % data.length] as Record<string, number>,
    attrs: {},
    features: {},
    origin: { topic: 'telemetry.raw', partition: 0, offset: String(i), format: 'AVRO' },
  }));
}

interface Throughput {
  scenario: string;
  records: number;
  seconds: number;
  rate: number;
  cpuMicros: number | undefined;
  rssMb: number | undefined;
  ratio?: number;
  p50?: number;
  p99?: number;
  addedP99?: number;
}

function scoringEnv(input: string, output: string, groupId: string, models: string[], cache: string) {
  return {
    TOPIC_ALERTS_ENRICHED: input,
    TOPIC_ALERTS_SCORED: output,
    SCORING_GROUP_ID: groupId,
    SCORING_MODELS: models.map((m) => `${m}@bench`).join(','),
    SCORING_CACHE_DIR: cache,
    SCORING_METRICS_PORT: '0',
    ...settings,
  };
}

async function drain(
  scenario: string,
  service: ServiceProcess,
  groupId: string,
  output: string,
  count: number,
): Promise<Throughput> {
  let cpuAtStart: number | undefined;
  const pid = service.child.pid;
  const result = await measureDrain({
    admin,
    groupId,
    outputs: [output],
    expected: count,
    alive: () => isRunning(service),
    onStart: async () => {
      cpuAtStart = await cpuSeconds(pid);
    },
  }).catch((error: Error) => {
    throw new Error(`${scenario}: ${error.message}\n${service.output().slice(-4_000)}`);
  });
  const cpuAtEnd = await cpuSeconds(pid);
  return {
    scenario,
    records: count,
    seconds: result.seconds,
    rate: count / result.seconds,
    cpuMicros: cpuAtStart === undefined || cpuAtEnd === undefined ? undefined : ((cpuAtEnd - cpuAtStart) / count) * 1e6,
    rssMb: await peakRssMb(pid),
  };
}

/** Latency at a steady rate: send time (ingestedAt) → the output record's timestamp. Returns sorted ms. */
async function pacedLatencies(
  input: string,
  output: string,
  data: Record<string, number>[],
  decode: (value: Buffer) => Promise<Alert>,
): Promise<number[]> {
  const latencies: number[] = [];
  const reader = kafka.consumer({ groupId: uniqueName('bench-latency-reader'), maxWaitTimeInMs: 50 });
  await reader.connect();
  await reader.subscribe({ topics: [output], fromBeginning: true });
  await reader.run({
    eachMessage: async ({ message }) => {
      const alert = await decode(message.value as Buffer);
      latencies.push(Number(message.timestamp) - alert.ingestedAt);
    },
  });
  const perTick = Math.max(1, Math.round(rate / 10));
  const total = perTick * pacedSeconds * 10;
  const prefix = uniqueName('paced');
  const started = Date.now();
  for (let sent = 0; sent < total; sent += perTick) {
    const batch = alertsOf(data, perTick, `${prefix}-${sent}`, Date.now()).map((a) => ({
      key: a.entity,
      value: codec.encode<'vigil.Alert'>(input, a),
    }));
    await producer.send({ topic: input, messages: batch });
    const due = started + ((sent + perTick) / perTick) * 100;
    await sleep(Math.max(0, due - Date.now()));
  }
  const deadline = Date.now() + 60_000;
  while (latencies.length < total && Date.now() < deadline) await sleep(100);
  await reader.disconnect();
  return latencies.sort((a, b) => a - b);
}

/** Medians of a scenario's rounds (peak RSS: the highest). */
function summary(runs: Throughput[]): Throughput {
  const cpu = runs.flatMap((r) => (r.cpuMicros === undefined ? [] : [r.cpuMicros]));
  const rss = runs.flatMap((r) => (r.rssMb === undefined ? [] : [r.rssMb]));
  return {
    scenario: runs[0]?.scenario ?? '',
    records,
    seconds: median(runs.map((r) => r.seconds)),
    rate: median(runs.map((r) => r.rate)),
    cpuMicros: cpu.length > 0 ? median(cpu) : undefined,
    rssMb: rss.length > 0 ? Math.max(...rss) : undefined,
  };
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

async function main(): Promise<void> {
  await connectSession(session);
  const work = mkdtempSync(join(tmpdir(), 'vigil-bench-scoring-'));
  cleanup.add('work folder', async () => rmSync(work, { recursive: true, force: true }));

  const data = await dataFolder(work);
  const models = await registerModules(data.root, work);
  const signals = rows(data.root);
  const [ptIn, scIn, ptPaced, ptPacedOut, scPaced, scPacedOut] = await benchTopics(
    admin,
    cleanup,
    ['bench-pt-in', 'bench-sc-in', 'bench-ptp-in', 'bench-ptp-out', 'bench-scp-in', 'bench-scp-out'],
    partitions,
  );
  await admin.createTopics({ topics: [`${scIn}.dlq`, `${scPaced}.dlq`].map((topic) => ({ topic, numPartitions: 1 })) });
  cleanup.add('dead-letter topics', () => admin.deleteTopics({ topics: [`${scIn}.dlq`, `${scPaced}.dlq`] }));
  forgetSubjects(cleanup, [scIn, scPaced, scPacedOut, ptPaced]);
  for (const topic of [scIn, scPaced, ptPaced]) await codec.registerTopic(topic, 'vigil.Alert');
  const messages: BenchMessage[] = alertsOf(signals, records, uniqueName('bench')).map((a) => ({
    key: a.entity,
    value: codec.encode<'vigil.Alert'>(scIn, a),
  }));
  await preload(producer, ptIn, messages);
  await preload(producer, scIn, messages);
  process.stdout.write(
    `scoring benchmark: ${formatNumber(records)} alerts (mean ${formatNumber(meanBytes(messages))} B) of ${data.origin}, ` +
      `${partitions} partitions, ${repeat} round(s), modules ${MODULES.join(', ')}; then ${formatNumber(rate)} alerts/s for ${pacedSeconds} s\n`,
  );
  const cache = join(work, 'cache');

  // Throughput: rounds of passthrough then scoring, each on a fresh group and output topic.
  const ptRuns: Throughput[] = [];
  const scRuns: Throughput[] = [];
  for (let round = 1; round <= repeat; round++) {
    const [ptOut, scOut] = await benchTopics(admin, cleanup, ['bench-pt-out', 'bench-sc-out'], partitions);
    forgetSubjects(cleanup, [scOut]);
    const ptGroup = benchGroup(admin, cleanup, 'bench-passthrough');
    const passthrough = startPassthrough({ input: ptIn, output: ptOut, groupId: ptGroup }, script);
    cleanup.add('passthrough', () => passthrough.kill('SIGKILL'));
    ptRuns.push(await drain('passthrough', passthrough, ptGroup, ptOut, records));
    await passthrough.kill('SIGTERM');
    await sleep(1_000);
    const scGroup = benchGroup(admin, cleanup, 'bench-scoring');
    const scoring = startServiceScript('scoring', scoringEnv(scIn, scOut, scGroup, models, cache), script);
    cleanup.add('scoring', () => scoring.kill('SIGKILL'));
    scRuns.push(await drain('scoring, 3 modules', scoring, scGroup, scOut, records));
    await scoring.kill('SIGTERM');
    process.stderr.write(
      `  round ${round}: passthrough ${formatNumber(ptRuns.at(-1)?.rate)} alerts/s, scoring ${formatNumber(scRuns.at(-1)?.rate)} alerts/s\n`,
    );
    await sleep(1_000);
  }
  const pt = summary(ptRuns);
  const sc = summary(scRuns);
  sc.ratio = median(scRuns.map((r, i) => r.rate / (ptRuns[i] as Throughput).rate));

  // Latency at a steady rate, each process already running and joined.
  const asAlert = async (value: Buffer) => (await codec.decodeAs(value, 'vigil.Alert')) as Alert;
  const asScored = async (value: Buffer) => ((await codec.decodeAs(value, 'vigil.ScoredAlert')) as ScoredAlert).alert;
  const ptPacedGroup = benchGroup(admin, cleanup, 'bench-passthrough-paced');
  const ptRun = startPassthrough({ input: ptPaced, output: ptPacedOut, groupId: ptPacedGroup });
  cleanup.add('paced passthrough', () => ptRun.kill('SIGKILL'));
  await measureDrain({ admin, groupId: ptPacedGroup, outputs: [], expected: 0, alive: () => isRunning(ptRun) });
  const ptLat = await pacedLatencies(ptPaced, ptPacedOut, signals, asAlert).catch((e) => {
    throw new Error(`${(e as Error).message}\n${ptRun.output()}`);
  });
  await ptRun.kill('SIGTERM');
  const scPacedGroup = benchGroup(admin, cleanup, 'bench-scoring-paced');
  const scRun = startServiceScript('scoring', scoringEnv(scPaced, scPacedOut, scPacedGroup, models, cache));
  cleanup.add('paced scoring', () => scRun.kill('SIGKILL'));
  await measureDrain({ admin, groupId: scPacedGroup, outputs: [], expected: 0, alive: () => isRunning(scRun) });
  const scLat = await pacedLatencies(scPaced, scPacedOut, signals, asScored);
  await scRun.kill('SIGTERM');
  pt.p50 = quantile(ptLat, 0.5);
  pt.p99 = quantile(ptLat, 0.99);
  sc.p50 = quantile(scLat, 0.5);
  sc.p99 = quantile(scLat, 0.99);
  sc.addedP99 = sc.p99 - pt.p99;

  const columns: Column<Throughput>[] = [
    { header: 'scenario', cell: (r) => r.scenario },
    { header: 'records', align: 'right', cell: (r) => formatNumber(r.records) },
    { header: 'seconds', align: 'right', cell: (r) => formatNumber(r.seconds, 2) },
    { header: 'alerts/s', align: 'right', cell: (r) => formatNumber(r.rate) },
    { header: '× passthrough', align: 'right', cell: (r) => formatNumber(r.ratio, 2) },
    { header: 'CPU µs/alert', align: 'right', cell: (r) => formatNumber(r.cpuMicros, 1) },
    { header: 'peak RSS MB', align: 'right', cell: (r) => formatNumber(r.rssMb) },
    { header: `p50 ms @${formatNumber(rate)}/s`, align: 'right', cell: (r) => formatNumber(r.p50, 1) },
    { header: 'p99 ms', align: 'right', cell: (r) => formatNumber(r.p99, 1) },
    { header: 'p99 added ms', align: 'right', cell: (r) => formatNumber(r.addedP99, 1) },
  ];
  process.stdout.write(`\n${renderTable(columns, [pt, sc])}\n\n`);
  process.stdout.write(
    `target scoring ≥ ${TARGET_RATIO} × passthrough: ${(sc.ratio ?? 0) >= TARGET_RATIO ? 'met' : 'NOT met'} (${formatNumber(sc.ratio, 2)})\n`,
  );
  const file = await saveResults('scoring', {
    settings: {
      records,
      partitions,
      repeat,
      rate,
      pacedSeconds,
      modules: MODULES,
      data: data.origin,
      overrides: settings,
    },
    summary: [pt, sc],
    runs: { passthrough: ptRuns, scoring: scRuns },
  });
  process.stdout.write(`results: ${file}\n`);
}

await runBench(session, main);
