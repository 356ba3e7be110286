/**
 * End to end: sustained alerts/s from telemetry.raw to incidents with all five services
 * (ingest, enrichment, scoring, incident, sink) on this machine, against a chain of four
 * plain consume → produce passthrough hops on the same broker, in one run; then the latency
 * from produce to incident (and to alerts.scored) at fixed input rates.
 *
 *   node --import tsx bench/src/e2e.ts [--records 30000] [--partitions 4] [--entities 100] [--repeat 3]
 *        [--rates 1000,5000] [--seconds 20] [--warmup 5] [--paced-repeat 1] [--incident-rules FILE]
 *        [--set NAME=value ...] [--profile DIR]
 *
 * Data: SKAB when VIGIL_DATASETS is set, else the science kit's generated SKAB-like pump
 * telemetry. Two modules are trained on SKAB's protocol (the first 400 rows of a labelled file
 * plus the anomaly-free file) and registered in MLflow under fresh names, as the pipeline's
 * integration test does: skab-predictive as `published` (its incidents go to `incidents`) and
 * skab-envelope as `challenger` (to `incidents.shadow`). Every pump (`--entities`) replays one
 * labelled experiment in order from its own starting row, so a steady share of records is
 * anomalous; records are JSON telemetry with fresh ids.
 * Incident rules: unless --incident-rules names a file (INCIDENT_CONFIG), every ANOMALY verdict
 * opens or updates an incident (k = n = 1, updateEvery 0, at most 20 alert ids per event), so
 * that each anomalous alert gives one incident event to time; the service's defaults (3 of 5,
 * an update per 5 minutes of event time) would give a few events per run.
 *
 * Throughput: `--records` records preloaded on telemetry.raw of a fresh pipeline (the test
 * kit's pipelineFixture: own topics, groups, Redis prefixes, PostgreSQL schema). The four
 * downstream services start first and must be ready (/readyz: joined, models loaded); then
 * ingest starts, and the clock runs from ingest's group join until the incident service has
 * committed every record of alerts.scored (it commits after its incident events are on Kafka);
 * "to store" runs on until the sink has committed them all too. The chain (raw → a → b → c → d,
 * bench/src/passthrough.ts as each hop) is timed the same way: hops 2–4 first, the clock from
 * hop 1's join until hop 4 has committed every record. They alternate `--repeat` times, each
 * on fresh topics and groups; the table shows medians, the ratio is the median of each round's.
 * CPU is the processes' own (user + system from /proc), not the broker's, Redis's or PostgreSQL's.
 *
 * Latency: for each of `--rates`, a fresh pipeline (and a fresh chain) with every process
 * ready, records produced at the rate for `--warmup` seconds (not timed: the processes' JIT
 * compilers and caches warm up, as they do once after a service starts), then for `--seconds`
 * in 20 ms ticks, each stamped with its send time (taken just before the send). A tap reads
 * alerts.ingested, .enriched, .scored and incidents (the outputs of the chain's four hops)
 * without decoding during the run. produce → a stage = the stage's output record's Kafka
 * timestamp − the send time of its alert; for incidents, of the alert that triggered an OPEN
 * or UPDATED (not a reminder) event: the pump's alert whose event time is the incident's
 * lastAnomalyAt. Achieved alerts/s = records sent (after the warm-up) / time from their first
 * send until the incident service has committed everything. With `--paced-repeat K` each
 * scenario runs K times per rate, alternating; the table shows the round with the median p99
 * and a line lists every round's. Peak RSS per service is VmHWM of each run's own processes.
 * Needs the local stack.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AvroCodec } from '@vigil/avro';
import { dlqTopic } from '@vigil/contracts';
import {
  deleteModel,
  type PipelineService,
  readSkab,
  skabData,
  stackEnv,
  trainPipelineModels,
  uniqueName,
} from '@vigil/test-kit';
import { sleep } from '@vigil/timing';
import type { Producer } from 'kafkajs';
import {
  type Drain,
  latencySummary,
  type Paced,
  renderReport,
  type Scenario,
  serviceRows,
  throughputRows,
} from './e2e/report.ts';
import { benchArgs } from './lib/args.ts';
import {
  benchSession,
  Cleanup,
  chainLatencies,
  committedSum,
  connectSession,
  cpuOf,
  endOffsetSum,
  failure,
  formatNumber,
  jsonMessages,
  measureDrain,
  PumpFeed,
  pipelineLatencies,
  preload,
  rssOf,
  runBench,
  type SignalRow,
  saveResults,
  sendPaced,
  startChain,
  startPipeline,
  stopAll,
  tapTopics,
  waitCount,
} from './lib/index.ts';

const args = benchArgs(import.meta.url, {
  records: { type: 'string', default: '30000' },
  partitions: { type: 'string', default: '4' },
  entities: { type: 'string', default: '100' },
  repeat: { type: 'string', default: '3' },
  rates: { type: 'string', default: '1000,5000' },
  seconds: { type: 'string', default: '20' },
  warmup: { type: 'string', default: '5' },
  'paced-repeat': { type: 'string', default: '1' },
  profile: { type: 'string' },
  'incident-rules': { type: 'string' },
  set: { type: 'string', multiple: true, default: [] },
});

function usage(message: string): never {
  process.stderr.write(`e2e bench: ${message}\n`);
  return process.exit(2);
}
function whole(name: string, value: string | undefined): number {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : usage(`--${name} must be a positive integer, got ${value}`);
}
const records = whole('records', args.records);
const partitions = whole('partitions', args.partitions);
const entities = whole('entities', args.entities);
const repeat = whole('repeat', args.repeat);
const pacedSeconds = whole('seconds', args.seconds);
const warmupSeconds = args.warmup === '0' ? 0 : whole('warmup', args.warmup);
const pacedRepeat = whole('paced-repeat', args['paced-repeat']);
/** --profile DIR: a V8 CPU profile of every service process, written when it stops. */
const serviceScript = { nodeArgs: args.profile ? ['--cpu-prof', `--cpu-prof-dir=${args.profile}`] : [] };
const rates = (args.rates ?? '').split(',').map((rate) => whole('rates', rate.trim()));
/** --set NAME=value: a setting given to every service (each reads only its own names). */
const settings: Record<string, string> = {};
for (const pair of args.set ?? []) {
  const at = pair.indexOf('=');
  if (at < 1) usage(`--set takes NAME=value, got ${pair}`);
  settings[pair.slice(0, at)] = pair.slice(at + 1);
}

const TARGET_RATE = 5_000;
const TARGET_P99_MS = 500;
const TARGET_P99_AT = 1_000;
const HOPS = 4;
/** Rules that turn every ANOMALY into an incident event (see the header). */
const BENCH_RULES = { defaults: { k: 1, n: 1, updateEvery: 0, maxAlertIds: 20 } };
const SCENARIOS: readonly Scenario[] = ['chain', 'pipeline'];

const session = benchSession('vigil-bench-e2e');
const { kafka, admin, cleanup } = session;
const codec = new AvroCodec({ registryUrl: stackEnv.registryUrl });
const context = { admin, partitions };

/**
 * A producer for one scenario, connected after its topics exist so that its cleanup runs
 * first: a producer that outlives a topic would create it again when it refreshes metadata.
 */
async function scenarioProducer(runCleanup: Cleanup): Promise<Producer> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  runCleanup.add('producer', () => producer.disconnect());
  return producer;
}

/** What the pipeline needs beyond the fixture: the models, the rules, the scoring cache. */
interface Setup {
  files: SignalRow[][];
  origin: string;
  serviceEnv: Partial<Record<PipelineService, Record<string, string>>>;
}

async function setUp(work: string): Promise<Setup> {
  const data = await skabData(work);
  if (data.origin !== 'SKAB') process.stdout.write(`data: ${data.origin}\n`);
  const { scoringModels } = await trainPipelineModels(data, work, 'bench-e2e', (model) =>
    cleanup.add(`MLflow model ${model}`, () => deleteModel(model)),
  );
  let rules = args['incident-rules'];
  if (!rules) {
    rules = join(work, 'incident-rules.json');
    writeFileSync(rules, JSON.stringify(BENCH_RULES));
  }
  return {
    files: data.labelled.map((file) => readSkab(file).map((row) => row.values)),
    origin: data.origin,
    serviceEnv: {
      scoring: {
        SCORING_MODELS: scoringModels,
        SCORING_CACHE_DIR: join(work, 'cache'),
        ...settings,
      },
      incident: { INCIDENT_CONFIG: rules, ...settings },
      ingest: settings,
      enrichment: settings,
      sink: settings,
    },
  };
}

/**
 * A fresh chain or pipeline, all but its first stage running: where records go in, and the
 * four topics whose records are timed (alerts.ingested, .enriched, .scored and incidents; the
 * chain's four hops, so that watching costs both the same).
 */
async function build(scenario: Scenario, setup: Setup, runCleanup: Cleanup) {
  if (scenario === 'chain') {
    const { topics, start } = await startChain(context, runCleanup, HOPS);
    const timed = topics.slice(1) as [string, string, string, string];
    return { input: topics[0] as string, timed, fixture: undefined, start };
  }
  const { fixture, start } = await startPipeline(context, runCleanup, setup.serviceEnv, serviceScript);
  const { alertsIngested, alertsEnriched, alertsScored, incidents } = fixture.topics;
  const timed: [string, string, string, string] = [alertsIngested, alertsEnriched, alertsScored, incidents];
  return { input: fixture.topics.telemetryRaw, timed, fixture, start };
}

/** One timed drain of `records` preloaded records through a fresh chain or pipeline. */
async function drain(scenario: Scenario, round: number, setup: Setup): Promise<Drain> {
  const runCleanup = new Cleanup();
  try {
    const feed = new PumpFeed(setup.files, uniqueName('e2e'), entities);
    const base = Date.now() - Math.ceil(records / entities) * 1_000;
    const messages = jsonMessages(feed.next(records, (step) => base + step * 1_000));
    const built = await build(scenario, setup, runCleanup);
    await preload(await scenarioProducer(runCleanup), built.input, messages);
    const { fixture } = built;
    const run = built.start();
    let started = 0;
    let before = new Map<string, number | undefined>();
    const result = await measureDrain({
      admin,
      groupId: run.firstGroup,
      outputs: [],
      expected: records,
      progress: run.done,
      alive: run.alive,
      onStart: async () => {
        before = await cpuOf(run);
        started = performance.now();
      },
    }).catch((error) => {
      throw failure(run, error);
    });
    const cpu: Record<string, number | undefined> = {};
    for (const [name, end] of await cpuOf(run)) {
      const start = before.get(name);
      cpu[name] = end === undefined || start === undefined ? undefined : ((end - start) / records) * 1e6;
    }
    const out: Drain = {
      scenario,
      round,
      records,
      seconds: result.seconds,
      rate: records / result.seconds,
      cpu,
      rssMb: {},
    };
    if (fixture) {
      const { groups, topics } = fixture;
      await waitCount(run, 'the sink', () => committedSum(admin, groups.sink, topics.alertsScored), records);
      out.storeSeconds = (performance.now() - started) / 1000;
      out.incidentEvents = await endOffsetSum(admin, [topics.incidents]);
      const dead = await endOffsetSum(admin, Object.values(topics).map(dlqTopic));
      if (dead > 0) throw failure(run, new Error(`${dead} records were dead-lettered`));
    }
    out.rssMb = await rssOf(run);
    await stopAll(run);
    return out;
  } finally {
    await runCleanup.run();
  }
}

/** Latency at a fixed input rate through a fresh chain or pipeline, every process ready before the first send. */
async function paced(scenario: Scenario, rate: number, setup: Setup): Promise<Paced> {
  const runCleanup = new Cleanup();
  try {
    const feed = new PumpFeed(setup.files, uniqueName('e2e-paced'), entities);
    const { input, timed, fixture, start } = await build(scenario, setup, runCleanup);
    const run = start();
    await run.ready().catch((error) => {
      throw failure(run, error);
    });
    const tap = await tapTopics(kafka, timed);
    runCleanup.add('tap', tap.stop);
    const producer = await scenarioProducer(runCleanup);
    const warmup =
      warmupSeconds > 0 ? await sendPaced(producer, input, feed, { rate, seconds: warmupSeconds }) : undefined;
    const sent = await sendPaced(producer, input, feed, { rate, seconds: pacedSeconds });
    await waitCount(run, 'the last stage', run.done, sent.count + (warmup?.count ?? 0));
    const doneAt = Date.now();
    const expected = await endOffsetSum(admin, timed);
    await waitCount(run, 'the tap', async () => tap.records.length, expected);
    await tap.stop();
    const rssMb = await rssOf(run);
    await stopAll(run);
    const latencies = fixture
      ? await pipelineLatencies(codec, tap.records, fixture.topics, sent, warmup)
      : chainLatencies(tap.records, timed, sent, warmup);
    return {
      scenario,
      rate,
      sent: sent.count,
      sentRate: sent.count / ((sent.lastAt - sent.firstAt) / 1000),
      achieved: sent.count / ((doneAt - sent.firstAt) / 1000),
      ...latencies,
      rssMb,
    };
  } finally {
    await runCleanup.run();
  }
}

async function main(): Promise<void> {
  // Each scenario makes its own producer (scenarioProducer), so the session's stays unused.
  await connectSession(session, { producer: false });
  const work = mkdtempSync(join(tmpdir(), 'vigil-bench-e2e-'));
  cleanup.add('work folder', async () => rmSync(work, { recursive: true, force: true }));
  const setup = await setUp(work);
  process.stdout.write(
    `e2e benchmark: ${formatNumber(records)} JSON alerts of ${entities} pumps (${setup.origin}), ` +
      `${partitions} partitions, ${repeat} round(s) of chain and pipeline; ` +
      `then ${rates.map((r) => `${formatNumber(r)}/s`).join(' and ')} for ${warmupSeconds} s of warm-up and ${pacedSeconds} s timed each\n`,
  );

  const runs: Drain[] = [];
  for (let round = 1; round <= repeat; round++) {
    for (const scenario of SCENARIOS) {
      const run = await drain(scenario, round, setup);
      runs.push(run);
      const store = run.storeSeconds === undefined ? '' : `, stored after ${formatNumber(run.storeSeconds, 2)} s`;
      process.stderr.write(
        `  round ${round}: ${scenario} ${formatNumber(run.rate)} alerts/s (${formatNumber(run.seconds, 2)} s${store})\n`,
      );
      await sleep(1_000);
    }
  }
  const pacedRuns: Paced[] = [];
  for (const rate of rates) {
    for (let round = 1; round <= pacedRepeat; round++) {
      for (const scenario of SCENARIOS) {
        const run = await paced(scenario, rate, setup);
        pacedRuns.push(run);
        const p99 = latencySummary(run.toIncident).p99;
        process.stderr.write(
          `  ${scenario} @ ${formatNumber(rate)}/s${pacedRepeat > 1 ? ` (round ${round})` : ''}: achieved ${formatNumber(run.achieved)}/s, ` +
            `p99 → last stage ${formatNumber(p99)} ms over ${formatNumber(run.toIncident.length)} samples\n`,
        );
        await sleep(1_000);
      }
    }
  }
  // Each table row is one real run: of a scenario's rounds at a rate, the one with the median p99 to the last stage.
  const latency: Paced[] = [];
  const roundLines: string[] = [];
  for (const rate of rates) {
    for (const scenario of SCENARIOS) {
      const rounds = pacedRuns
        .filter((r) => r.scenario === scenario && r.rate === rate)
        .map((run) => ({ run, p99: latencySummary(run.toIncident).p99 }))
        .sort((a, b) => a.p99 - b.p99);
      const middle = rounds[Math.floor((rounds.length - 1) / 2)];
      if (middle) latency.push(middle.run);
      if (rounds.length > 1)
        roundLines.push(
          `  ${scenario} @ ${formatNumber(rate)}/s, p99 ms → last stage by round (ascending; the table shows the median round): ` +
            rounds.map((r) => formatNumber(r.p99)).join(', '),
        );
    }
  }

  const throughput = throughputRows(runs, HOPS);
  const services = serviceRows(runs, latency, rates);
  process.stdout.write(
    `\n${renderReport(throughput, latency, services, { repeat, seconds: pacedSeconds, warmupSeconds, rates })}\n`,
  );
  if (roundLines.length > 0) process.stdout.write(`${roundLines.join('\n')}\n\n`);
  const sustained = throughput[1];
  const atGoal = latency.find((r) => r.scenario === 'pipeline' && r.rate === TARGET_P99_AT);
  const p99 = atGoal ? latencySummary(atGoal.toIncident).p99 : Number.NaN;
  const verdict = (met: boolean) => (met ? 'met' : 'NOT met');
  process.stdout.write(
    `goal ≥ ${formatNumber(TARGET_RATE)} alerts/s sustained to incidents: ` +
      `${verdict((sustained?.rate ?? 0) >= TARGET_RATE)} ` +
      `(${formatNumber(sustained?.rate)} alerts/s, ${formatNumber(sustained?.ratio, 2)} × the chain)\n` +
      `goal p99 produce → incident ≤ ${TARGET_P99_MS} ms at ${formatNumber(TARGET_P99_AT)} alerts/s: ` +
      (atGoal ? `${verdict(p99 <= TARGET_P99_MS)} (${formatNumber(p99)} ms)\n` : 'not measured (add it to --rates)\n'),
  );
  const file = await saveResults('e2e', {
    settings: {
      records,
      partitions,
      entities,
      repeat,
      rates,
      pacedSeconds,
      warmupSeconds,
      pacedRepeat,
      data: setup.origin,
      incidentRules: args['incident-rules'] ?? BENCH_RULES,
      overrides: settings,
    },
    throughput,
    latency: pacedRuns.map(({ toIngested, toEnriched, toScored, toIncident, ...rest }) => ({
      ...rest,
      toIngested: latencySummary(toIngested),
      toEnriched: latencySummary(toEnriched),
      toScored: latencySummary(toScored),
      toIncident: latencySummary(toIncident),
    })),
    services,
    runs,
  });
  process.stdout.write(`results: ${file}\n`);
}

await runBench(session, main);
