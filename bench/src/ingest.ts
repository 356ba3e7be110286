/**
 * Ingest throughput against a plain consume → produce passthrough, in one run.
 *
 *   node --import tsx bench/src/ingest.ts [--records 200000] [--avro-records 100000] [--partitions 4] [--repeat 1]
 *                                         [--only passthrough-json,ingest-json,...] [--set INGEST_X=value ...]
 *                                         [--node-arg=--flag ...] [--profile DIR] [--log DIR]
 *
 * Preloads ~300-byte JSON telemetry records (and the same kind of records as
 * Avro `vigil.Telemetry`) into fresh topics, one per scenario, then runs each
 * scenario as its own process over its own copy: the passthrough worker
 * (bench/src/passthrough.ts) and the real ingest service
 * (services/ingest/src/main.ts, default settings). The time of a scenario runs
 * from its consumer group's join to the last output record on its fresh
 * output topic, read from end offsets, so neither start-up nor measurement
 * counts. With --repeat K every round runs all scenarios again with new groups,
 * outputs and Redis keys; the table shows medians. Needs the local stack.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { AvroCodec } from '@vigil/avro';
import { dlqTopic } from '@vigil/contracts';
import { redisFixture, type ServiceProcess, stackEnv, uniqueName } from '@vigil/test-kit';
import { sleep } from '@vigil/timing';
import { benchArgs, positiveInt } from './lib/args.ts';
import {
  avroMessages,
  type BenchMessage,
  benchGroup,
  benchSession,
  benchTopics,
  Cleanup,
  type Column,
  connectSession,
  cpuSeconds,
  endOffsetSum,
  forgetSubjects,
  formatNumber,
  isRunning,
  jsonMessages,
  meanBytes,
  measureDrain,
  median,
  peakRssMb,
  preload,
  renderTable,
  runBench,
  type ScriptOptions,
  saveResults,
  startPassthrough,
  startServiceScript,
  telemetryRecords,
} from './lib/index.ts';

const args = benchArgs(import.meta.url, {
  records: { type: 'string', default: '200000' },
  'avro-records': { type: 'string', default: '100000' },
  partitions: { type: 'string', default: '4' },
  repeat: { type: 'string', default: '1' },
  profile: { type: 'string' },
  log: { type: 'string' },
  only: { type: 'string' },
  set: { type: 'string', multiple: true, default: [] },
  'node-arg': { type: 'string', multiple: true, default: [] },
});

const jsonCount = positiveInt('ingest', 'records', args.records);
const avroCount = positiveInt('ingest', 'avro-records', args['avro-records']);
const partitions = positiveInt('ingest', 'partitions', args.partitions);
const repeat = positiveInt('ingest', 'repeat', args.repeat);
/**
 * Node flags for every measured process, the passthrough too so the comparison
 * stays fair: --node-arg flags, and with --profile DIR a V8 CPU profile
 * (`.cpuprofile`) that each process writes into DIR when it exits. --log DIR
 * keeps what each process printed (its logs, or --node-arg=--trace-gc lines).
 */
const script: ScriptOptions = {
  nodeArgs: [
    ...(args['node-arg'] ?? []),
    ...(args.profile ? ['--cpu-prof', `--cpu-prof-dir=${resolve(args.profile)}`] : []),
  ],
};
/** --set KEY=VALUE: extra ingest settings (services/ingest/src/config.ts), to try a tuning. */
const ingestSettings: Record<string, string> = {};
for (const pair of args.set ?? []) {
  const at = pair.indexOf('=');
  if (at < 1) {
    process.stderr.write(`ingest bench: --set takes KEY=VALUE, got ${pair}\n`);
    process.exit(2);
  }
  ingestSettings[pair.slice(0, at)] = pair.slice(at + 1);
}
/** --only: the scenarios to run, as `<kind>-<format>` (passthrough-json, ingest-avro, ...); all by default. */
const only = args.only ? new Set(args.only.split(',').map((name) => name.trim().toLowerCase())) : undefined;

const TARGET_RATIO = 0.7;
const TARGET_JSON_RATE = 20_000;

type Format = 'JSON' | 'Avro';
type Kind = 'passthrough' | 'ingest';

interface Scenario {
  kind: Kind;
  format: Format;
  input: string;
  records: number;
}

interface Run {
  kind: Kind;
  format: Format;
  round: number;
  records: number;
  seconds: number;
  firstOutputSeconds: number;
  recordsPerSecond: number;
  /** CPU time of the process per record over the measured span, in µs. */
  cpuMicrosPerRecord: number | undefined;
  peakRssMb: number | undefined;
}

const session = benchSession('vigil-bench-ingest');
const { admin, producer, cleanup } = session;

/** Starts the process of a scenario on a fresh output topic and group; returns it and where to look for its records. */
async function start(
  scenario: Scenario,
  runCleanup: Cleanup,
): Promise<{ service: ServiceProcess; groupId: string; outputs: string[]; deadLetters: number }> {
  const [output] = await benchTopics(admin, runCleanup, [`bench-${scenario.kind}-out`], partitions);
  const groupId = benchGroup(admin, runCleanup, `bench-${scenario.kind}`);
  if (scenario.kind === 'passthrough') {
    return {
      service: startPassthrough({ input: scenario.input, output, groupId }, script),
      groupId,
      outputs: [output],
      deadLetters: 0,
    };
  }
  forgetSubjects(runCleanup, [output]);
  const redis = await redisFixture('bench-ingest');
  runCleanup.add('redis dedup keys', redis.cleanup);
  const dlq = dlqTopic(scenario.input);
  const service = startServiceScript(
    'ingest',
    {
      TOPIC_TELEMETRY_RAW: scenario.input,
      TOPIC_ALERTS_INGESTED: output,
      INGEST_GROUP_ID: groupId,
      INGEST_REDIS_PREFIX: redis.prefix,
      INGEST_DEDUP_TTL: '1h',
      INGEST_METRICS_PORT: '0',
      ...ingestSettings,
    },
    script,
  );
  return { service, groupId, outputs: [output, dlq], deadLetters: await endOffsetSum(admin, [dlq]) };
}

async function measure(scenario: Scenario, round: number): Promise<Run> {
  const runCleanup = new Cleanup();
  try {
    const { service, groupId, outputs, deadLetters } = await start(scenario, runCleanup);
    runCleanup.add(`${scenario.kind} process`, () => service.kill('SIGKILL'));
    const pid = service.child.pid;
    let cpuAtStart: number | undefined;
    const drain = await measureDrain({
      admin,
      groupId,
      outputs,
      expected: scenario.records + deadLetters,
      alive: () => isRunning(service),
      onStart: async () => {
        cpuAtStart = await cpuSeconds(pid);
      },
    }).catch((error: Error) => {
      throw new Error(`${scenario.kind} ${scenario.format}: ${error.message}\n${service.output()}`);
    });
    const cpuAtEnd = await cpuSeconds(pid);
    const rss = await peakRssMb(pid);
    const code = await service.kill('SIGTERM');
    if (args.log) {
      await mkdir(resolve(args.log), { recursive: true });
      await writeFile(
        resolve(args.log, `${scenario.kind}-${scenario.format.toLowerCase()}-${round}.log`),
        service.output(),
      );
    }
    if (code !== 0) throw new Error(`${scenario.kind} ${scenario.format} exited with ${code}:\n${service.output()}`);
    if (outputs.length > 1) {
      const dead = (await endOffsetSum(admin, outputs.slice(1))) - deadLetters;
      if (dead > 0) throw new Error(`${scenario.kind} ${scenario.format} dead-lettered ${dead} generated records`);
    }
    return {
      kind: scenario.kind,
      format: scenario.format,
      round,
      records: scenario.records,
      seconds: drain.seconds,
      firstOutputSeconds: drain.firstOutputSeconds,
      recordsPerSecond: scenario.records / drain.seconds,
      cpuMicrosPerRecord:
        cpuAtStart === undefined || cpuAtEnd === undefined
          ? undefined
          : ((cpuAtEnd - cpuAtStart) / scenario.records) * 1e6,
      peakRssMb: rss,
    };
  } finally {
    await runCleanup.run();
  }
}

interface Row {
  scenario: string;
  records: number;
  seconds: number;
  rate: number;
  range: string;
  ratio: number | undefined;
  cpu: number | undefined;
  rss: number | undefined;
}

/** One row per scenario: medians over the rounds; the ratio is the median of each round's ratio to its passthrough. */
function summarize(scenarios: Scenario[], runs: Run[]): Row[] {
  return scenarios.map((scenario) => {
    const own = runs.filter((r) => r.kind === scenario.kind && r.format === scenario.format);
    const rates = own.map((r) => r.recordsPerSecond);
    const ratios = own.flatMap((r) => {
      const base = runs.find((b) => b.kind === 'passthrough' && b.format === r.format && b.round === r.round);
      return base ? [r.recordsPerSecond / base.recordsPerSecond] : [];
    });
    const rss = own.flatMap((r) => (r.peakRssMb === undefined ? [] : [r.peakRssMb]));
    const cpu = own.flatMap((r) => (r.cpuMicrosPerRecord === undefined ? [] : [r.cpuMicrosPerRecord]));
    return {
      scenario: `${scenario.kind} ${scenario.format}`,
      records: scenario.records,
      seconds: median(own.map((r) => r.seconds)),
      rate: median(rates),
      range: own.length > 1 ? `${formatNumber(Math.min(...rates))} – ${formatNumber(Math.max(...rates))}` : '',
      ratio: ratios.length > 0 ? median(ratios) : undefined,
      cpu: cpu.length > 0 ? median(cpu) : undefined,
      rss: rss.length > 0 ? Math.max(...rss) : undefined,
    };
  });
}

const COLUMNS: Column<Row>[] = [
  { header: 'scenario', cell: (r) => r.scenario },
  { header: 'records', align: 'right', cell: (r) => formatNumber(r.records) },
  { header: 'seconds', align: 'right', cell: (r) => formatNumber(r.seconds, 2) },
  { header: 'records/s', align: 'right', cell: (r) => formatNumber(r.rate) },
  ...(repeat > 1 ? [{ header: 'records/s min – max', align: 'right' as const, cell: (r: Row) => r.range }] : []),
  { header: '× passthrough', align: 'right', cell: (r) => formatNumber(r.ratio, 2) },
  { header: 'CPU µs/record', align: 'right', cell: (r) => formatNumber(r.cpu, 1) },
  { header: 'peak RSS MB', align: 'right', cell: (r) => formatNumber(r.rss) },
];

async function main(): Promise<void> {
  await connectSession(session);

  const tag = uniqueName('bench');
  const json = jsonMessages(telemetryRecords(jsonCount, { idPrefix: `${tag}-json` }));
  const [ptJson, ingestJson, ptAvro, ingestAvro] = await benchTopics(
    admin,
    cleanup,
    ['bench-pt-json', 'bench-raw-json', 'bench-pt-avro', 'bench-raw-avro'],
    partitions,
  );
  const dlqs = [dlqTopic(ingestJson), dlqTopic(ingestAvro)];
  await admin.createTopics({
    waitForLeaders: true,
    topics: dlqs.map((topic) => ({ topic, numPartitions: partitions })),
  });
  cleanup.add('dead-letter topics', () => admin.deleteTopics({ topics: dlqs }));

  const codec = new AvroCodec({ registryUrl: stackEnv.registryUrl });
  forgetSubjects(cleanup, [ingestAvro]);
  // One registration: the passthrough copy carries the very same bytes (same schema id).
  const avro: BenchMessage[] = await avroMessages(
    codec,
    ingestAvro,
    telemetryRecords(avroCount, { idPrefix: `${tag}-avro` }),
  );

  const loads: [string, BenchMessage[]][] = [
    [ptJson, json],
    [ingestJson, json],
    [ptAvro, avro],
    [ingestAvro, avro],
  ];
  let preloadSeconds = 0;
  for (const [topic, messages] of loads) preloadSeconds += await preload(producer, topic, messages);
  const preloaded = loads.reduce((n, [, messages]) => n + messages.length, 0);
  process.stdout.write(
    `ingest benchmark: ${formatNumber(jsonCount)} JSON records (mean ${formatNumber(meanBytes(json))} B), ` +
      `${formatNumber(avroCount)} Avro records (mean ${formatNumber(meanBytes(avro))} B), ${partitions} partitions, ` +
      `${repeat} round(s); preloaded ${formatNumber(preloaded)} records in ${formatNumber(preloadSeconds, 1)} s\n`,
  );

  const scenarios = (
    [
      { kind: 'passthrough', format: 'JSON', input: ptJson, records: jsonCount },
      { kind: 'ingest', format: 'JSON', input: ingestJson, records: jsonCount },
      { kind: 'passthrough', format: 'Avro', input: ptAvro, records: avroCount },
      { kind: 'ingest', format: 'Avro', input: ingestAvro, records: avroCount },
    ] satisfies Scenario[]
  ).filter((s) => !only || only.has(`${s.kind}-${s.format}`.toLowerCase()));
  const runs: Run[] = [];
  for (let round = 1; round <= repeat; round++) {
    for (const scenario of scenarios) {
      const run = await measure(scenario, round);
      runs.push(run);
      process.stderr.write(
        `  round ${round}: ${scenario.kind} ${scenario.format}: ${formatNumber(run.recordsPerSecond)} records/s ` +
          `(${formatNumber(run.seconds, 2)} s, first output after ${formatNumber(run.firstOutputSeconds, 2)} s, ` +
          `${formatNumber(run.cpuMicrosPerRecord, 1)} µs CPU/record)\n`,
      );
      await sleep(1_000);
    }
  }

  const rows = summarize(scenarios, runs);
  process.stdout.write(`\n${renderTable(COLUMNS, rows)}\n\n`);
  const ingestJsonRow = rows.find((r) => r.scenario === 'ingest JSON');
  const ingestAvroRow = rows.find((r) => r.scenario === 'ingest Avro');
  const verdict = (met: boolean) => (met ? 'met' : 'NOT met');
  const targets = [
    `target ingest JSON ≥ ${TARGET_RATIO} × passthrough: ${verdict((ingestJsonRow?.ratio ?? 0) >= TARGET_RATIO)}`,
    `target ingest Avro ≥ ${TARGET_RATIO} × passthrough: ${verdict((ingestAvroRow?.ratio ?? 0) >= TARGET_RATIO)}`,
    `target ingest JSON ≥ ${formatNumber(TARGET_JSON_RATE)} records/s: ${verdict((ingestJsonRow?.rate ?? 0) >= TARGET_JSON_RATE)}`,
  ];
  process.stdout.write(`${targets.join('\n')}\n`);
  const file = await saveResults('ingest', {
    settings: {
      jsonCount,
      avroCount,
      partitions,
      repeat,
      jsonMeanBytes: meanBytes(json),
      avroMeanBytes: meanBytes(avro),
    },
    summary: rows,
    runs,
  });
  process.stdout.write(`results: ${file}\n`);
}

await runBench(session, main);
