/**
 * One passthrough hop on two Kafka clients side by side: kafkajs (with the
 * project's patch) and @platformatic/kafka (needs Node ≥ 22).
 *
 *   node --import tsx bench/src/kafka-client.ts [--records 100000] [--partitions 4] [--rounds 5]
 *
 * Preloads `--records` Avro `vigil.Telemetry` records (~216 bytes, keyed by
 * entity) into one fresh topic; each run reads all of them with a fresh
 * consumer group, writes each to a fresh output topic and commits: kafkajs
 * runs bench/src/passthrough.ts (the ceiling of the ingest, scoring and e2e
 * benchmarks), @platformatic/kafka runs bench/src/kafka-client/
 * platformatic-passthrough.ts with the same settings. Each run is its own
 * Node process, timed from its group's join until it has committed every
 * input record (each commit follows its send's acknowledgement); the output
 * must then hold exactly as many records as the input. CPU is user + system time of the process over that span
 * (/proc/<pid>/stat, 10 ms steps). Rounds alternate the order (kafkajs first
 * in odd rounds, @platformatic/kafka first in even ones); every round is
 * printed, then medians and the per-round ratios. Needs the local stack.
 */
import { resolve } from 'node:path';
import { AvroCodec } from '@vigil/avro';
import { type ServiceProcess, stackEnv, uniqueName } from '@vigil/test-kit';
import { benchArgs, positiveInt } from './lib/args.ts';
import {
  avroMessages,
  benchGroup,
  benchSession,
  benchTopics,
  Cleanup,
  type Column,
  committedSum,
  connectSession,
  cpuSeconds,
  endOffsetSum,
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
  startScript,
  telemetryRecords,
} from './lib/index.ts';

const args = benchArgs(import.meta.url, {
  records: { type: 'string', default: '100000' },
  partitions: { type: 'string', default: '4' },
  rounds: { type: 'string', default: '5' },
});

const records = positiveInt('kafka-client', 'records', args.records);
const partitions = positiveInt('kafka-client', 'partitions', args.partitions);
const rounds = positiveInt('kafka-client', 'rounds', args.rounds);

const CLIENTS = ['kafkajs', '@platformatic/kafka'] as const;
type Client = (typeof CLIENTS)[number];
const PLATFORMATIC_WORKER = resolve(import.meta.dirname, 'kafka-client/platformatic-passthrough.ts');

interface Run {
  round: number;
  client: Client;
  records: number;
  seconds: number;
  recordsPerSecond: number;
  /** CPU time of the process over the measured span, per 1,000 records, in ms. */
  cpuMsPer1000: number | undefined;
  peakRssMb: number | undefined;
}

const session = benchSession('vigil-bench-kafka-client');
const { admin, producer, cleanup } = session;

function startWorker(client: Client, options: { input: string; output: string; groupId: string }): ServiceProcess {
  if (client === 'kafkajs') return startPassthrough(options);
  return startScript(PLATFORMATIC_WORKER, {
    PASSTHROUGH_INPUT: options.input,
    PASSTHROUGH_OUTPUT: options.output,
    PASSTHROUGH_GROUP_ID: options.groupId,
  });
}

async function measure(client: Client, input: string, round: number): Promise<Run> {
  const runCleanup = new Cleanup();
  try {
    const [output] = await benchTopics(admin, runCleanup, ['bench-client-out'], partitions);
    const groupId = benchGroup(admin, runCleanup, 'bench-client');
    const worker = startWorker(client, { input, output, groupId });
    runCleanup.add(`${client} process`, () => worker.kill('SIGKILL'));
    const pid = worker.child.pid;
    let cpuAtStart: number | undefined;
    const drain = await measureDrain({
      admin,
      groupId,
      outputs: [output],
      expected: records,
      // Done when the input is committed: both workers commit after their send is acknowledged.
      progress: () => committedSum(admin, groupId, input),
      alive: () => isRunning(worker),
      onStart: async () => {
        cpuAtStart = await cpuSeconds(pid);
      },
    }).catch((error: Error) => {
      throw new Error(`${client}: ${error.message}\n${worker.output()}`);
    });
    const cpuAtEnd = await cpuSeconds(pid);
    const rss = await peakRssMb(pid);
    const code = await worker.kill('SIGTERM');
    if (code !== 0) throw new Error(`${client} exited with ${code}:\n${worker.output()}`);
    const written = await endOffsetSum(admin, [output]);
    if (written !== records) throw new Error(`${client} wrote ${written} records for ${records} read`);
    return {
      round,
      client,
      records: drain.records,
      seconds: drain.seconds,
      recordsPerSecond: records / drain.seconds,
      cpuMsPer1000:
        cpuAtStart === undefined || cpuAtEnd === undefined ? undefined : ((cpuAtEnd - cpuAtStart) * 1e6) / records,
      peakRssMb: rss,
    };
  } finally {
    await runCleanup.run();
  }
}

interface Summary {
  client: Client;
  rate: number;
  rates: string;
  cpu: number | undefined;
  cpus: string;
  rateRatio: number | undefined;
  cpuRatio: number | undefined;
  rss: number | undefined;
}

const defined = (values: (number | undefined)[]): number[] => values.filter((v): v is number => v !== undefined);

/** Medians per client; the ratios are medians of each round's ratio to kafkajs in that round. */
function summarize(runs: readonly Run[]): Summary[] {
  return CLIENTS.map((client) => {
    const own = runs.filter((r) => r.client === client);
    const versus = (value: (r: Run) => number | undefined) =>
      defined(
        own.map((r) => {
          const base = runs.find((b) => b.client === 'kafkajs' && b.round === r.round);
          const mine = value(r);
          const theirs = base && value(base);
          return mine === undefined || theirs === undefined ? undefined : mine / theirs;
        }),
      );
    const cpus = defined(own.map((r) => r.cpuMsPer1000));
    const rateRatios = versus((r) => r.recordsPerSecond);
    const cpuRatios = versus((r) => r.cpuMsPer1000);
    const rss = defined(own.map((r) => r.peakRssMb));
    return {
      client,
      rate: median(own.map((r) => r.recordsPerSecond)),
      rates: own.map((r) => formatNumber(r.recordsPerSecond)).join(', '),
      cpu: cpus.length > 0 ? median(cpus) : undefined,
      cpus: cpus.map((c) => formatNumber(c, 1)).join(', '),
      rateRatio: rateRatios.length > 0 ? median(rateRatios) : undefined,
      cpuRatio: cpuRatios.length > 0 ? median(cpuRatios) : undefined,
      rss: rss.length > 0 ? Math.max(...rss) : undefined,
    };
  });
}

const RUN_COLUMNS: Column<Run>[] = [
  { header: 'round', align: 'right', cell: (r) => r.round },
  { header: 'client', cell: (r) => r.client },
  { header: 'records', align: 'right', cell: (r) => formatNumber(r.records) },
  { header: 'seconds', align: 'right', cell: (r) => formatNumber(r.seconds, 2) },
  { header: 'records/s', align: 'right', cell: (r) => formatNumber(r.recordsPerSecond) },
  { header: 'CPU ms / 1,000 records', align: 'right', cell: (r) => formatNumber(r.cpuMsPer1000, 1) },
  { header: 'peak RSS MB', align: 'right', cell: (r) => formatNumber(r.peakRssMb) },
];

const SUMMARY_COLUMNS: Column<Summary>[] = [
  { header: 'client', cell: (s) => s.client },
  { header: 'records/s (median)', align: 'right', cell: (s) => formatNumber(s.rate) },
  { header: 'by round', align: 'right', cell: (s) => s.rates },
  { header: '× kafkajs', align: 'right', cell: (s) => formatNumber(s.rateRatio, 2) },
  { header: 'CPU ms / 1,000 (median)', align: 'right', cell: (s) => formatNumber(s.cpu, 1) },
  { header: 'by round', align: 'right', cell: (s) => s.cpus },
  { header: 'CPU × kafkajs', align: 'right', cell: (s) => formatNumber(s.cpuRatio, 2) },
  { header: 'peak RSS MB', align: 'right', cell: (s) => formatNumber(s.rss) },
];

async function main(): Promise<void> {
  await connectSession(session);

  const [input] = await benchTopics(admin, cleanup, ['bench-client-in'], partitions);
  forgetSubjects(cleanup, [input]);
  const codec = new AvroCodec({ registryUrl: stackEnv.registryUrl });
  const messages = await avroMessages(codec, input, telemetryRecords(records, { idPrefix: uniqueName('bench') }));
  const preloadSeconds = await preload(producer, input, messages);
  process.stdout.write(
    `kafka-client benchmark: ${formatNumber(records)} Avro records (mean ${formatNumber(meanBytes(messages))} B), ` +
      `${partitions} partitions, ${rounds} round(s), Node ${process.version}; ` +
      `preloaded in ${formatNumber(preloadSeconds, 1)} s\n`,
  );

  const runs: Run[] = [];
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 === 1 ? CLIENTS : [...CLIENTS].reverse();
    for (const client of order) {
      const run = await measure(client, input, round);
      runs.push(run);
      process.stderr.write(
        `  round ${round}: ${client}: ${formatNumber(run.recordsPerSecond)} records/s, ` +
          `${formatNumber(run.cpuMsPer1000, 1)} CPU ms / 1,000 records\n`,
      );
    }
  }

  const summary = summarize(runs);
  process.stdout.write(`\n${renderTable(RUN_COLUMNS, runs)}\n\n${renderTable(SUMMARY_COLUMNS, summary)}\n`);
  const [base, other] = summary;
  if (base?.cpu !== undefined && other?.cpu !== undefined) {
    const difference = other.cpu - base.cpu;
    process.stdout.write(
      `\nCPU per hop, medians: ${other.client} ${formatNumber(other.cpu, 1)}, kafkajs ${formatNumber(base.cpu, 1)} ms ` +
        `per 1,000 records (${formatNumber(Math.abs(difference), 1)} ${difference > 0 ? 'more' : 'less'})\n`,
    );
  }
  const file = await saveResults('kafka-client', {
    settings: { records, partitions, rounds, meanBytes: meanBytes(messages) },
    summary,
    runs,
  });
  process.stdout.write(`results: ${file}\n`);
}

await runBench(session, main);
