import { PIPELINE_SERVICES } from '@vigil/test-kit';
import { type Column, formatNumber, type Latencies, median, quantile, renderTable } from '../lib/index.ts';

/** The end-to-end benchmark's figures (bench/src/e2e.ts) and the tables it prints. */

export type Scenario = 'chain' | 'pipeline';

/** One timed drain of preloaded records. */
export interface Drain {
  scenario: Scenario;
  round: number;
  records: number;
  seconds: number;
  rate: number;
  /** Pipeline: from the same start until the sink committed every scored alert too. */
  storeSeconds?: number;
  /** CPU µs per alert of each process over `seconds` (= ms per 1,000 alerts). */
  cpu: Record<string, number | undefined>;
  rssMb: Record<string, number | undefined>;
  incidentEvents?: number;
}

/** One run at a fixed input rate. */
export interface Paced extends Latencies {
  scenario: Scenario;
  rate: number;
  sent: number;
  sentRate: number;
  /** Records sent / time from the first send until the last stage committed them all. */
  achieved: number;
  rssMb: Record<string, number | undefined>;
}

const known = (values: (number | undefined)[]) => values.filter((v): v is number => v !== undefined);
const sumOf = (values: Record<string, number | undefined>) => {
  const list = known(Object.values(values));
  return list.length > 0 ? list.reduce((a, b) => a + b, 0) : undefined;
};
const medianOf = (values: (number | undefined)[]) => {
  const list = known(values);
  return list.length > 0 ? median(list) : undefined;
};
const maxOf = (values: (number | undefined)[]) => {
  const list = known(values);
  return list.length > 0 ? Math.max(...list) : undefined;
};
const q = (values: number[], at: number) => quantile(values, at);

export interface ThroughputRow {
  scenario: string;
  records: number;
  seconds: number;
  rate: number;
  ratio?: number;
  cpu?: number;
  rss?: number;
}

/** Chain, pipeline to incidents, pipeline to store: medians over rounds; the ratio is the median of each round's. */
export function throughputRows(runs: readonly Drain[], hops: number): ThroughputRow[] {
  const chain = runs.filter((r) => r.scenario === 'chain');
  const pipeline = runs.filter((r) => r.scenario === 'pipeline');
  const row = (scenario: string, own: Drain[], seconds: (r: Drain) => number) => {
    const middle = median(own.map(seconds));
    const records = own[0]?.records ?? 0;
    return {
      scenario,
      records,
      seconds: middle,
      rate: records / middle,
      cpu: medianOf(own.map((r) => sumOf(r.cpu))),
      rss: maxOf(own.map((r) => sumOf(r.rssMb))),
    };
  };
  const ratios = pipeline.flatMap((r) => {
    const base = chain.find((c) => c.round === r.round);
    return base ? [r.rate / base.rate] : [];
  });
  const store = row('pipeline → store (sink)', pipeline, (r) => r.storeSeconds ?? Number.NaN);
  return [
    { ...row(`passthrough chain, ${hops} hops`, chain, (r) => r.seconds), ratio: 1 },
    { ...row('pipeline → incidents', pipeline, (r) => r.seconds), ratio: medianOf(ratios) },
    { scenario: store.scenario, records: store.records, seconds: store.seconds, rate: store.rate },
  ];
}

const THROUGHPUT_COLUMNS: Column<ThroughputRow>[] = [
  { header: 'scenario', cell: (r) => r.scenario },
  { header: 'records', align: 'right', cell: (r) => formatNumber(r.records) },
  { header: 'seconds', align: 'right', cell: (r) => formatNumber(r.seconds, 2) },
  { header: 'alerts/s', align: 'right', cell: (r) => formatNumber(r.rate) },
  { header: '× chain', align: 'right', cell: (r) => formatNumber(r.ratio, 2) },
  { header: 'CPU ms / 1,000 alerts', align: 'right', cell: (r) => formatNumber(r.cpu) },
  { header: 'peak RSS MB (sum)', align: 'right', cell: (r) => formatNumber(r.rss) },
];

const LATENCY_COLUMNS: Column<Paced>[] = [
  { header: 'scenario', cell: (r) => (r.scenario === 'chain' ? 'passthrough chain' : 'pipeline') },
  { header: 'input/s', align: 'right', cell: (r) => formatNumber(r.rate) },
  { header: 'sent/s', align: 'right', cell: (r) => formatNumber(r.sentRate) },
  { header: 'achieved/s', align: 'right', cell: (r) => formatNumber(r.achieved) },
  { header: '→ scored p50 ms', align: 'right', cell: (r) => formatNumber(q(r.toScored, 0.5)) },
  { header: 'p99', align: 'right', cell: (r) => formatNumber(q(r.toScored, 0.99)) },
  {
    header: 'incident events',
    align: 'right',
    cell: (r) => (r.scenario === 'chain' ? undefined : formatNumber(r.toIncident.length)),
  },
  { header: '→ incident p50 ms', align: 'right', cell: (r) => formatNumber(q(r.toIncident, 0.5)) },
  { header: 'p99', align: 'right', cell: (r) => formatNumber(q(r.toIncident, 0.99)) },
  { header: 'max', align: 'right', cell: (r) => formatNumber(r.toIncident.at(-1)) },
];

export interface ServiceRow {
  service: string;
  cpu: number | undefined;
  share: number | undefined;
  drainRss: number | undefined;
  /** Peak RSS in each paced pipeline run, in the order of `rates`. */
  pacedRss: (number | undefined)[];
}

export function serviceRows(runs: readonly Drain[], latency: readonly Paced[], rates: readonly number[]): ServiceRow[] {
  const pipeline = runs.filter((r) => r.scenario === 'pipeline');
  const total = medianOf(pipeline.map((r) => sumOf(r.cpu)));
  return PIPELINE_SERVICES.map((service) => {
    const cpu = medianOf(pipeline.map((r) => r.cpu[service]));
    return {
      service,
      cpu,
      share: cpu === undefined || total === undefined ? undefined : cpu / total,
      drainRss: maxOf(pipeline.map((r) => r.rssMb[service])),
      pacedRss: rates.map((rate) => latency.find((p) => p.scenario === 'pipeline' && p.rate === rate)?.rssMb[service]),
    };
  });
}

function serviceColumns(rates: readonly number[]): Column<ServiceRow>[] {
  return [
    { header: 'service', cell: (r) => r.service },
    { header: 'CPU ms / 1,000 alerts', align: 'right', cell: (r) => formatNumber(r.cpu) },
    {
      header: 'share',
      align: 'right',
      cell: (r) => (r.share === undefined ? undefined : `${formatNumber(r.share * 100)} %`),
    },
    { header: 'peak RSS MB, drain', align: 'right', cell: (r) => formatNumber(r.drainRss) },
    ...rates.map((rate, i) => ({
      header: `@ ${formatNumber(rate)}/s`,
      align: 'right' as const,
      cell: (r: ServiceRow) => formatNumber(r.pacedRss[i]),
    })),
  ];
}

/** Where a paced run's latency accumulates: p50/p99 from produce to each stage's output. */
function stageLine(run: Paced): string {
  const pair = (values: number[]) => `${formatNumber(q(values, 0.5))}/${formatNumber(q(values, 0.99))}`;
  const [first, second, third, fourth] =
    run.scenario === 'chain' ? ['hop a', 'hop b', 'hop c', 'hop d'] : ['ingested', 'enriched', 'scored', 'incident'];
  return (
    `  ${run.scenario === 'chain' ? 'chain' : 'pipeline'} @ ${formatNumber(run.rate)}/s, p50/p99 ms from produce to ` +
    `${first} ${pair(run.toIngested)}, ${second} ${pair(run.toEnriched)}, ${third} ${pair(run.toScored)}, ` +
    `${fourth} ${pair(run.toIncident)}` +
    (run.unmatched > 0 ? ` (${run.unmatched} incident events matched no sent alert)` : '')
  );
}

/** The three tables, as printed. */
export function renderReport(
  throughput: readonly ThroughputRow[],
  latency: readonly Paced[],
  services: readonly ServiceRow[],
  options: { repeat: number; seconds: number; warmupSeconds: number; rates: readonly number[] },
): string {
  return [
    `Sustained throughput, preloaded alerts (medians of ${options.repeat} round(s)):`,
    '',
    renderTable(THROUGHPUT_COLUMNS, throughput),
    '',
    `Latency from produce at fixed input rates, ${options.seconds} s each after ${options.warmupSeconds} s of warm-up at the rate, not timed (chain: "scored" = hop c, "incident" = hop d):`,
    '',
    renderTable(LATENCY_COLUMNS, latency),
    '',
    ...latency.map(stageLine),
    '',
    "Per service (CPU over the drains, medians; peak RSS of each run's own processes):",
    '',
    renderTable(serviceColumns(options.rates), services),
    '',
  ].join('\n');
}

/** p50, p99 and max of a latency list for the results file. */
export function latencySummary(values: number[]): { count: number; p50: number; p99: number; max?: number } {
  return { count: values.length, p50: q(values, 0.5), p99: q(values, 0.99), max: values.at(-1) };
}
